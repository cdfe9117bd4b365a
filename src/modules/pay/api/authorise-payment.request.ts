import { CARD_BRANDS, detectCardBrand } from '../cards/card-number.ts';
import type { CardForAuthorisation } from '../providers/payment-provider.ts';
import { missingAttribute, PayApiError, unparsableJson } from '../pay.errors.ts';

/**
 * Reads the body of `POST /v1/auth` (the MOTO API) as GOV.UK Pay does. First pay-publicapi's
 * checks of its `AuthorisationRequest`, each a 422 naming its field: missing (P0101), not text
 * or the wrong length (P0102). Then pay-connector's `MotoApiAuthoriseRequest#validate`, a 422
 * P0102 without a field: digits only, a real MM/YY, not in the past (12 hours behind UTC still
 * counts, as Pay allows for cardholders behind UTC). Last, a security code of the wrong length
 * for the card's brand (4 digits for American Express, 3 for the others, as Pay's payment pages
 * check it) is refused the same way, before the provider is asked: Pay's connector leaves that
 * to the provider, which declines the card and fails the payment; here the payment can still
 * be paid with the right code.
 */

export type AuthorisePaymentRequest = { oneTimeToken: string; card: CardForAuthorisation };

type Json = Record<string, unknown>;

const FIELDS = [
  { name: 'one_time_token', blankIsMissing: true },
  { name: 'card_number', min: 12, max: 19, explanation: 'Must be between 12 and 19 characters long' },
  { name: 'cvc', min: 3, max: 4, explanation: 'Must be between 3 and 4 characters long' },
  { name: 'expiry_date', min: 5, max: 5, explanation: 'Must be a valid date with the format MM/YY' },
  { name: 'cardholder_name', blankIsMissing: true, max: 255, explanation: 'Must be less than or equal to 255 characters long' },
] as const;

const fieldError = (field: string, explanation: string) =>
  new PayApiError({ statusCode: 422, code: 'P0102', field, description: `Invalid attribute value: ${field}. ${explanation}` });

const connectorError = (field: string, explanation: string) =>
  new PayApiError({ statusCode: 422, code: 'P0102', description: `Invalid attribute value: ${field}. ${explanation}` });

export function parseAuthorisePaymentRequest(body: unknown, now: Date): AuthorisePaymentRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw unparsableJson();
  const json = body as Json;
  const values: Record<string, string> = {};
  for (const field of FIELDS) {
    const value = json[field.name];
    if (value === undefined || value === null) throw missing(field.name);
    if (typeof value !== 'string') throw fieldError(field.name, 'Must be of type String');
    if ('blankIsMissing' in field && value.trim() === '') throw missing(field.name);
    const min = 'min' in field ? field.min : 0;
    if ('max' in field && (value.length < min || value.length > field.max)) throw fieldError(field.name, field.explanation);
    values[field.name] = value;
  }

  const cardNumber = values.card_number as string;
  const cvc = values.cvc as string;
  const expiry = /^(0[1-9]|1[0-2])\/(\d{2})$/.exec(values.expiry_date as string);
  if (!/^\d{12,19}$/.test(cardNumber)) throw connectorError('card_number', 'Must be a valid card number');
  if (!/^\d{3,4}$/.test(cvc)) throw connectorError('cvc', 'Must contain numbers only');
  if (!expiry) throw connectorError('expiry_date', 'Must be a valid date with the format MM/YY');
  const expiryMonth = Number(expiry[1]);
  const expiryYear = 2000 + Number(expiry[2]);
  const behindUtc = new Date(now.getTime() - 12 * 60 * 60 * 1000);
  if (expiryYear * 12 + expiryMonth < behindUtc.getUTCFullYear() * 12 + behindUtc.getUTCMonth() + 1) {
    throw connectorError('expiry_date', 'Must be a valid date in the future');
  }
  const brand = detectCardBrand(cardNumber);
  if (brand && cvc.length !== CARD_BRANDS[brand].securityCodeLength) {
    throw connectorError('cvc', `Must be ${CARD_BRANDS[brand].securityCodeLength} digits long for ${CARD_BRANDS[brand].label} cards`);
  }

  return {
    oneTimeToken: values.one_time_token as string,
    card: {
      number: cardNumber,
      securityCode: cvc,
      expiryMonth,
      expiryYear,
      cardholderName: values.cardholder_name as string,
    },
  };
}

function missing(field: string): PayApiError {
  const error = missingAttribute(field);
  return new PayApiError({ statusCode: 422, code: error.payCode, field, description: error.message });
}
