/** Card brands Civitas accepts, with GOV.UK Pay's ids (used in search) and display names. */
export const CARD_BRANDS = {
  visa: { label: 'Visa', securityCodeLength: 3 },
  'master-card': { label: 'Mastercard', securityCodeLength: 3 },
  'american-express': { label: 'American Express', securityCodeLength: 4 },
  'diners-club': { label: 'Diners Club', securityCodeLength: 3 },
  discover: { label: 'Discover', securityCodeLength: 3 },
  jcb: { label: 'JCB', securityCodeLength: 3 },
  unionpay: { label: 'Union Pay', securityCodeLength: 3 },
  maestro: { label: 'Maestro', securityCodeLength: 3 },
} as const;

export type CardBrand = keyof typeof CARD_BRANDS;

export function isCardBrand(value: string): value is CardBrand {
  return Object.hasOwn(CARD_BRANDS, value);
}

export function describeCardBrand(brand: string | null): string {
  return brand && isCardBrand(brand) ? CARD_BRANDS[brand].label : (brand ?? '');
}

/** Removes the spaces and dashes people type between groups of digits. */
export function normaliseCardNumber(text: string): string {
  return text.replace(/[\s-]/g, '');
}

/** The Luhn (mod 10) check every card number passes. */
export function passesLuhnCheck(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function startsWithin(digits: string, length: number, from: number, to: number): boolean {
  const prefix = Number(digits.slice(0, length));
  return digits.length >= length && prefix >= from && prefix <= to;
}

/** The brand a card number belongs to, from its first digits (its BIN range), if known. */
export function detectCardBrand(digits: string): CardBrand | undefined {
  if (/^3[47]/.test(digits)) return 'american-express';
  if (/^(30[0-5]|3095|36|3[89])/.test(digits)) return 'diners-club';
  if (startsWithin(digits, 4, 3528, 3589)) return 'jcb';
  if (/^4/.test(digits)) return 'visa';
  if (/^5[1-5]/.test(digits) || startsWithin(digits, 4, 2221, 2720)) return 'master-card';
  if (/^(5[06-8]|6304|6759|676[1-3])/.test(digits)) return 'maestro';
  if (/^(6011|65|64[4-9])/.test(digits) || startsWithin(digits, 6, 622126, 622925)) return 'discover';
  if (/^62/.test(digits)) return 'unionpay';
  return undefined;
}
