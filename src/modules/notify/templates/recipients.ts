/**
 * Recipient checks with Notify's messages: email addresses, mobile numbers (UK and
 * international) and postal addresses. Each returns the normalised value or the reason.
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const EMAIL_LOCAL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const DOMAIN_LABEL = /^(xn|[a-z0-9]+)(-?-[a-z0-9]+)*$/i;
const TLD = /^([a-z]{2,63}|xn--([a-z0-9]+-)*[a-z0-9]+)$/i;

export function checkEmailAddress(raw: string): Checked<string> {
  const invalid = { ok: false as const, message: 'Not a valid email address' };
  const address = raw.trim().replace(/[\u200b\u00a0]/g, '');
  if (address.length > 320 || /\s/.test(address)) return invalid;
  const at = address.lastIndexOf('@');
  if (at < 1) return invalid;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1).toLowerCase();
  if (!EMAIL_LOCAL.test(local) || local.length > 64 || local.includes('..') || local.startsWith('.') || local.endsWith('.')) {
    return invalid;
  }
  const labels = domain.split('.');
  if (labels.length < 2 || domain.length > 253) return invalid;
  if (!labels.every((label) => label.length > 0 && label.length <= 63 && DOMAIN_LABEL.test(label))) return invalid;
  if (!TLD.test(labels.at(-1) as string)) return invalid;
  return { ok: true, value: address };
}

/** The form two spellings of one address share (for team and guest-list matching). */
export function normaliseEmailAddress(address: string): string {
  return address.trim().toLowerCase();
}

export type PhoneNumber = { normalised: string; international: boolean };

/** Country codes are 1 to 3 digits; enough to tell UK (44) from the rest. */
export function checkPhoneNumber(raw: string): Checked<PhoneNumber> {
  const stripped = raw.trim().replace(/[\s().\-\u2010-\u2015\u00a0]/g, '');
  if (!/^\+?\d+$/.test(stripped)) return { ok: false, message: 'Must not contain letters or symbols' };
  let digits = stripped.replace(/^\+/, '');
  const looksInternational = stripped.startsWith('+') || digits.startsWith('00');
  if (digits.startsWith('00')) digits = digits.slice(2);
  const isUk = !looksInternational || digits.startsWith('44');
  if (isUk) {
    if (digits.startsWith('44')) digits = digits.slice(2);
    digits = digits.replace(/^0/, '');
    if (!digits.startsWith('7')) return { ok: false, message: 'Not a UK mobile number' };
    if (digits.length > 10) return { ok: false, message: 'Too many digits' };
    if (digits.length < 10) return { ok: false, message: 'Not enough digits' };
    return { ok: true, value: { normalised: `44${digits}`, international: false } };
  }
  if (digits.length > 15) return { ok: false, message: 'Too many digits' };
  if (digits.length < 8) return { ok: false, message: 'Not enough digits' };
  return { ok: true, value: { normalised: digits, international: true } };
}

/** A UK postcode, as Royal Mail writes them (also BFPO). */
const POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}|BFPO\s*\d{1,4})$/i;

export function normalisePostcode(raw: string): string | undefined {
  const compact = raw.trim().toUpperCase().replace(/\s+/g, '');
  if (!POSTCODE.test(compact)) return undefined;
  if (compact.startsWith('BFPO')) return `BFPO ${compact.slice(4)}`;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

export type PostalAddress = { lines: string[]; postcode: string };

/**
 * The address lines given, empty ones left out. As Notify (notifications-utils
 * `PostalAddress.from_personalisation`): `address_line_1` to `address_line_7` when
 * `address_line_7` is given, else `address_line_1` to `address_line_6` then `postcode`.
 */
export function listAddressLines(personalisation: Readonly<Record<string, unknown>>): string[] {
  const keys = ['address_line_1', 'address_line_2', 'address_line_3', 'address_line_4', 'address_line_5', 'address_line_6'];
  keys.push('address_line_7' in personalisation ? 'address_line_7' : 'postcode');
  const lines: string[] = [];
  for (const key of keys) {
    const value = personalisation[key];
    if (value === undefined || value === null) continue;
    const text = String(value).trim();
    if (text !== '') lines.push(text);
  }
  return lines;
}

/**
 * `address_line_1` to `address_line_7` (or `postcode` as the last line): at least 3 lines given, at most 7, the last a UK postcode.
 * Civitas prints in the UK only: international letters are not supported.
 */
export function checkPostalAddress(personalisation: Readonly<Record<string, unknown>>): Checked<PostalAddress> {
  const lines = listAddressLines(personalisation);
  if (lines.length < 3) return { ok: false, message: 'Address must be at least 3 lines' };
  if (lines.length > 7) return { ok: false, message: 'Address must be no more than 7 lines' };
  const postcode = normalisePostcode(lines.at(-1) as string);
  if (!postcode) return { ok: false, message: 'Must be a real UK postcode' };
  return { ok: true, value: { lines: [...lines.slice(0, -1), postcode], postcode } };
}
