import { CARD_BRANDS, detectCardBrand, normaliseCardNumber, passesLuhnCheck } from '../../cards/card-number.ts';
import type { SubmittedCard } from '../../payments/payment.service.ts';
import { COUNTRY_CODES } from './countries.ts';

/** What the card details form shows again after an error: never the card number or security code. */
export type CardFormValues = {
  expiryMonth: string;
  expiryYear: string;
  cardholderName: string;
  addressLine1: string;
  addressLine2: string;
  addressCity: string;
  addressPostcode: string;
  addressCountry: string;
  email: string;
};

export type CardFormField =
  | 'cardNo'
  | 'expiry'
  | 'cardholderName'
  | 'cvc'
  | 'addressLine1'
  | 'addressLine2'
  | 'addressCity'
  | 'addressPostcode'
  | 'addressCountry'
  | 'email';

/** A problem with one field: `key` is its message under `pay.hosted.card.errors`; `limit` the limit it states. */
export type CardFormError = { field: CardFormField; key: string; limit?: number };

/** Where the error summary links to for each field. */
export const FIELD_IDS: Record<CardFormField, string> = {
  cardNo: 'card-no',
  expiry: 'expiry-month',
  cardholderName: 'cardholder-name',
  cvc: 'cvc',
  addressLine1: 'address-line-1',
  addressLine2: 'address-line-2',
  addressCity: 'address-city',
  addressPostcode: 'address-postcode',
  addressCountry: 'address-country',
  email: 'email',
};

const TEXT_LIMIT = 255;
const EMAIL_LIMIT = 254;
const POSTCODE_LIMIT = 25;
const CARD_NUMBER_DIGITS = 19;
const UK_POSTCODE = /^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$/i;
/** Twelve or more digits: what a card number typed into the wrong box looks like. */
const LOOKS_LIKE_CARD_NUMBER = /(\d[\s-]*){12,}/;

function text(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}

export function readCardDetailsForm(
  body: unknown,
  options: { now: Date },
): { values: CardFormValues; errors: CardFormError[]; card?: SubmittedCard } {
  const form = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const values: CardFormValues = {
    expiryMonth: text(form, 'expiryMonth'),
    expiryYear: text(form, 'expiryYear'),
    cardholderName: text(form, 'cardholderName'),
    addressLine1: text(form, 'addressLine1'),
    addressLine2: text(form, 'addressLine2'),
    addressCity: text(form, 'addressCity'),
    addressPostcode: text(form, 'addressPostcode'),
    addressCountry: text(form, 'addressCountry') || 'GB',
    email: text(form, 'email'),
  };
  const errors: CardFormError[] = [];
  const fail = (field: CardFormField, key: string, limit?: number) => errors.push(limit === undefined ? { field, key } : { field, key, limit });

  const cardNumber = normaliseCardNumber(text(form, 'cardNo'));
  const brand = detectCardBrand(cardNumber);
  if (cardNumber === '') fail('cardNo', 'cardNo.missing');
  else if (/^\d+$/.test(cardNumber) && cardNumber.length > CARD_NUMBER_DIGITS) fail('cardNo', 'cardNo.tooLong', CARD_NUMBER_DIGITS);
  else if (!/^\d{12,19}$/.test(cardNumber) || !passesLuhnCheck(cardNumber)) fail('cardNo', 'cardNo.invalid');
  else if (!brand) fail('cardNo', 'cardNo.notAccepted');

  const monthText = values.expiryMonth;
  const yearText = values.expiryYear;
  let expiryMonth = 0;
  let expiryYear = 0;
  if (monthText === '' && yearText === '') fail('expiry', 'expiry.missing');
  else if (!/^\d{1,2}$/.test(monthText) || !/^(\d{2}|\d{4})$/.test(yearText)) fail('expiry', 'expiry.invalid');
  else {
    expiryMonth = Number(monthText);
    expiryYear = yearText.length === 2 ? 2000 + Number(yearText) : Number(yearText);
    const thisMonth = options.now.getUTCFullYear() * 12 + options.now.getUTCMonth() + 1;
    const cardMonth = expiryYear * 12 + expiryMonth;
    if (expiryMonth < 1 || expiryMonth > 12 || cardMonth > thisMonth + 20 * 12) fail('expiry', 'expiry.invalid');
    else if (cardMonth < thisMonth) fail('expiry', 'expiry.past');
  }

  if (values.cardholderName === '') fail('cardholderName', 'cardholderName.missing');
  else if (values.cardholderName.length > TEXT_LIMIT) fail('cardholderName', 'cardholderName.tooLong', TEXT_LIMIT);
  else if (LOOKS_LIKE_CARD_NUMBER.test(values.cardholderName)) fail('cardholderName', 'cardholderName.cardNumber');

  const securityCode = text(form, 'cvc');
  const codeLength = brand ? CARD_BRANDS[brand].securityCodeLength : undefined;
  if (securityCode === '') fail('cvc', 'cvc.missing');
  else if (!/^\d{3,4}$/.test(securityCode) || (codeLength !== undefined && securityCode.length !== codeLength)) {
    fail('cvc', 'cvc.invalid');
  }

  if (values.addressLine1 === '') fail('addressLine1', 'addressLine1.missing');
  else if (values.addressLine1.length > TEXT_LIMIT) fail('addressLine1', 'addressLine1.tooLong', TEXT_LIMIT);
  else if (LOOKS_LIKE_CARD_NUMBER.test(values.addressLine1)) fail('addressLine1', 'addressLine1.cardNumber');
  if (values.addressLine2.length > TEXT_LIMIT) fail('addressLine2', 'addressLine2.tooLong', TEXT_LIMIT);
  else if (LOOKS_LIKE_CARD_NUMBER.test(values.addressLine2)) fail('addressLine2', 'addressLine2.cardNumber');
  if (values.addressCity === '') fail('addressCity', 'addressCity.missing');
  else if (values.addressCity.length > TEXT_LIMIT) fail('addressCity', 'addressCity.tooLong', TEXT_LIMIT);
  if (!COUNTRY_CODES.has(values.addressCountry)) fail('addressCountry', 'addressCountry.invalid');
  if (values.addressPostcode === '') fail('addressPostcode', 'addressPostcode.missing');
  else if (values.addressPostcode.length > POSTCODE_LIMIT) fail('addressPostcode', 'addressPostcode.tooLong', POSTCODE_LIMIT);
  else if (values.addressCountry === 'GB' && !UK_POSTCODE.test(values.addressPostcode)) fail('addressPostcode', 'addressPostcode.invalid');

  if (values.email === '') fail('email', 'email.missing');
  else if (values.email.length > EMAIL_LIMIT) fail('email', 'email.tooLong', EMAIL_LIMIT);
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email)) fail('email', 'email.invalid');

  // Never show a card number typed into the wrong box back on the page.
  for (const field of ['cardholderName', 'addressLine1', 'addressLine2'] as const) {
    if (LOOKS_LIKE_CARD_NUMBER.test(values[field])) values[field] = '';
  }
  if (errors.length > 0) return { values, errors };
  return {
    values,
    errors,
    card: {
      number: cardNumber,
      securityCode,
      expiryMonth,
      expiryYear,
      cardholderName: values.cardholderName,
      billingAddress: {
        line1: values.addressLine1,
        ...(values.addressLine2 ? { line2: values.addressLine2 } : {}),
        city: values.addressCity,
        postcode: values.addressPostcode.toUpperCase(),
        country: values.addressCountry,
      },
      email: values.email,
    },
  };
}
