import { isIntegerText, keepNumberAsSent, numberTextOf, type RawJsonText } from '../../../platform/http/json-number-text.ts';
import { recurringPaymentsDisabled } from '../agreements/agreement.service.ts';
import { invalidAttribute, missingAttribute, PayApiError, unparsableJson, wrongType } from '../pay.errors.ts';
import { isAcceptableReturnUrl, RETURN_URL_LIMIT } from '../payments/return-url.ts';

/**
 * Reads the body of `POST /v1/payments` as GOV.UK Pay does: attributes are checked in Pay's
 * order; a missing attribute or one of the wrong JSON type is a 400, a value that breaks a
 * rule (length, range, format) is a 422, each with Pay's code and words. Unknown attributes
 * are ignored, as Pay ignores them.
 */

export const AMOUNT_MAX = 10_000_000;
const TEXT_LIMIT = 255;
const EMAIL_LIMIT = 254;
const POSTCODE_LIMIT = 25;
const METADATA_MAX_PAIRS = 15;
const METADATA_KEY_MAX = 30;
const METADATA_VALUE_MAX = 100;

export type PrefilledAddress = { line1?: string; line2?: string; postcode?: string; city?: string; country?: string };
/**
 * A metadata value. Pay (Java) keeps a number exactly (12345678901234567890 stays itself, 1.0 is
 * not 1), so a number JavaScript would write differently is kept as the text it was sent as.
 */
export type MetadataValue = string | number | boolean | RawJsonText;

/** How a payment is authorised: on the payment pages, by `POST /v1/auth`, or with an agreement's card. */
export type AuthorisationMode = 'web' | 'moto_api' | 'agreement';
/** Pay's words list the modes in its enum's order. */
const AUTHORISATION_MODES: readonly AuthorisationMode[] = ['web', 'moto_api', 'agreement'];
/** Why an agreement payment is taken (pay-java-commons AgreementPaymentType), in Pay's order. */
export const AGREEMENT_PAYMENT_TYPES = ['instalment', 'recurring', 'unscheduled'] as const;
export type AgreementPaymentType = (typeof AGREEMENT_PAYMENT_TYPES)[number];
/** Agreement ids are 26 characters, as Pay's `@Size(min = 26, max = 26)` requires. */
const AGREEMENT_ID_LENGTH = 26;

export type CreatePaymentRequest = {
  amount: number;
  reference: string;
  description: string;
  /** Absent only for `moto_api` payments, which have nowhere to return to. */
  returnUrl?: string;
  authorisationMode: AuthorisationMode;
  moto: boolean;
  /** `set_up_agreement`: the agreement this payment sets up (Pay reads it only when it is text). */
  setUpAgreement?: string;
  /** `agreement_id`, for `authorisation_mode: agreement`. */
  agreementId?: string;
  agreementPaymentType?: AgreementPaymentType;
  language: 'en' | 'cy';
  email?: string;
  delayedCapture: boolean;
  metadata?: Record<string, MetadataValue>;
  cardholderName?: string;
  billingAddress?: PrefilledAddress;
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInt = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= -2_147_483_648 && value <= 2_147_483_647;

/** A required text attribute: absent, null or blank is missing (400); not text is the wrong type (400). */
function readRequiredText(body: Json, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw missingAttribute(field);
  if (typeof value !== 'string') throw wrongType(field, 'Must be a valid string format');
  if (value.trim() === '') throw missingAttribute(field);
  return value;
}

/** An optional text attribute where null means absent. */
function readOptionalText(container: Json, field: string): string | undefined {
  const value = container[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(field, 'Field must be a string');
  return value;
}

function readBoolean(body: Json, field: string): boolean | undefined {
  if (!(field in body)) return undefined;
  const value = body[field];
  if (typeof value !== 'boolean') throw wrongType(field, 'Must be true or false');
  return value;
}

function checkLength(field: string, value: string | undefined, limit: number): void {
  if (value !== undefined && value.length > limit) {
    throw invalidAttribute(field, `Must be less than or equal to ${limit} characters length`);
  }
}

function readMetadata(value: unknown): Record<string, MetadataValue> | undefined {
  if (value === null) throw invalidAttribute('metadata', 'Value must not be null');
  if (!isObject(value)) throw invalidAttribute('metadata', 'Must be an object of JSON key-value pairs');
  const entries = Object.entries(value);
  const problems: string[] = [];
  if (entries.length > METADATA_MAX_PAIRS) problems.push(`Cannot have more than ${METADATA_MAX_PAIRS} key-value pairs`);
  if (entries.some(([key]) => key.length < 1 || key.length > METADATA_KEY_MAX)) {
    problems.push(`Keys must be between 1 and ${METADATA_KEY_MAX} characters long`);
  }
  if (entries.some(([, item]) => item === null)) problems.push('Must not have null values');
  if (entries.some(([, item]) => item !== null && !['string', 'number', 'boolean'].includes(typeof item))) {
    problems.push('Values must be of type String, Boolean or Number');
  }
  if (entries.some(([, item]) => typeof item === 'string' && item.length > METADATA_VALUE_MAX)) {
    problems.push(`Values must be no greater than ${METADATA_VALUE_MAX} characters long`);
  }
  const lowerKeys = new Set(entries.map(([key]) => key.toLowerCase()));
  if (lowerKeys.size !== entries.length) problems.push('Must have case insensitive unique keys');
  if (problems.length > 0) throw invalidAttribute('metadata', problems.join('. '));
  if (entries.length === 0) return undefined;
  // Object.fromEntries defines each key (a `__proto__` key stays a key, never a prototype).
  return Object.fromEntries(
    entries.map(([key, item]) => [key, typeof item === 'number' ? keepNumberAsSent(value, key, item) : (item as MetadataValue)]),
  );
}

function readPrefilled(value: unknown): { cardholderName?: string; billingAddress?: PrefilledAddress } {
  if (value === null || value === undefined) return {};
  if (!isObject(value)) throw wrongType('prefilled_cardholder_details', 'Must be an object');
  const cardholderName = readOptionalText(value, 'cardholder_name');
  const addressNode = value.billing_address;
  let billingAddress: PrefilledAddress | undefined;
  if (addressNode !== undefined && addressNode !== null) {
    if (!isObject(addressNode)) throw wrongType('billing_address', 'Must be an object');
    billingAddress = {};
    for (const field of ['line1', 'line2', 'city', 'postcode', 'country'] as const) {
      const text = readOptionalText(addressNode, field);
      if (text !== undefined) billingAddress[field] = text;
    }
  }
  return { cardholderName, billingAddress };
}

export function parseCreatePaymentRequest(body: unknown, options: { live: boolean }): CreatePaymentRequest {
  if (!isObject(body)) throw unparsableJson();

  // First the attributes' presence and JSON types (400s), in Pay's order...
  const amountValue = body.amount;
  if (amountValue === undefined || amountValue === null) throw missingAttribute('amount');
  // Pay takes only a JSON integer (JsonNode::isInt): 1000.0 and 1e3 are not one.
  if (!isInt(amountValue) || !isIntegerText(numberTextOf(body, 'amount', amountValue))) {
    throw wrongType('amount', 'Must be a valid numeric format');
  }
  const reference = readRequiredText(body, 'reference');
  const description = readRequiredText(body, 'description');
  // Pay reads return_url as optional and its connector then asks for it, unless the payment is
  // authorised without the paying user's browser (moto_api, agreement): then it must not have one.
  const withoutBrowser = body.authorisation_mode === 'moto_api' || body.authorisation_mode === 'agreement';
  const returnUrl = withoutBrowser ? readOptionalText(body, 'return_url') || undefined : readRequiredText(body, 'return_url');
  const moto = readBoolean(body, 'moto');
  // pay-publicapi takes set_up_agreement's text value: a value that is not text is ignored.
  const setUpAgreement = typeof body.set_up_agreement === 'string' ? body.set_up_agreement : undefined;
  let authorisationMode: AuthorisationMode = 'web';
  if ('authorisation_mode' in body) {
    const modes = `Must be one of ${AUTHORISATION_MODES.join(', ')}`;
    const mode = body.authorisation_mode;
    if (typeof mode !== 'string' || mode.trim() === '') throw wrongType('authorisation_mode', modes);
    if (!AUTHORISATION_MODES.includes(mode as AuthorisationMode)) throw invalidAttribute('authorisation_mode', modes);
    authorisationMode = mode as AuthorisationMode;
  }
  let agreementId: string | undefined;
  if ('agreement_id' in body) {
    if (authorisationMode !== 'agreement') {
      throw new PayApiError({ statusCode: 400, code: 'P0104', description: 'Unexpected attribute: agreement_id' });
    }
    agreementId = readRequiredText(body, 'agreement_id');
  }
  let agreementPaymentType: AgreementPaymentType | undefined;
  if ('agreement_payment_type' in body) {
    const types = `Must be one of ${AGREEMENT_PAYMENT_TYPES.join(', ')}`;
    const type = body.agreement_payment_type;
    if (typeof type !== 'string' || type.trim() === '') throw wrongType('agreement_payment_type', types);
    if (!('set_up_agreement' in body) && authorisationMode !== 'agreement') {
      throw new PayApiError({ statusCode: 400, code: 'P0104', description: 'Unexpected attribute: agreement_payment_type' });
    }
    if (!(AGREEMENT_PAYMENT_TYPES as readonly string[]).includes(type)) throw invalidAttribute('agreement_payment_type', types);
    agreementPaymentType = type as AgreementPaymentType;
  }
  let language: 'en' | 'cy' = 'en';
  if ('language' in body) {
    if (body.language !== 'en' && body.language !== 'cy') throw invalidAttribute('language', 'Must be "en" or "cy"');
    language = body.language;
  }
  const delayedCapture = readBoolean(body, 'delayed_capture') ?? false;
  const email = readOptionalText(body, 'email');
  const { cardholderName, billingAddress } = readPrefilled(body.prefilled_cardholder_details);
  const metadata = 'metadata' in body ? readMetadata(body.metadata) : undefined;

  // ...then the rules their values must keep (422s).
  if (amountValue < 1) throw invalidAttribute('amount', 'Must be greater than or equal to 1');
  if (amountValue > AMOUNT_MAX) throw invalidAttribute('amount', `Must be less than or equal to ${AMOUNT_MAX}`);
  checkLength('reference', reference, TEXT_LIMIT);
  checkLength('description', description, TEXT_LIMIT);
  checkLength('return_url', returnUrl, RETURN_URL_LIMIT);
  if (returnUrl !== undefined && !isAcceptableReturnUrl(returnUrl, options)) {
    throw invalidAttribute('return_url', 'Must be a valid URL format');
  }
  checkLength('email', email, EMAIL_LIMIT);
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidAttribute('email', 'Must be a valid email address');
  checkLength('cardholder_name', cardholderName, TEXT_LIMIT);
  if (billingAddress) {
    checkLength('line1', billingAddress.line1, TEXT_LIMIT);
    checkLength('line2', billingAddress.line2, TEXT_LIMIT);
    checkLength('postcode', billingAddress.postcode, POSTCODE_LIMIT);
    checkLength('city', billingAddress.city, TEXT_LIMIT);
    if (billingAddress.country !== undefined && !/^[A-Z]{2}$/.test(billingAddress.country)) {
      throw invalidAttribute('country', 'Must be exactly 2 characters length');
    }
  }
  for (const [field, value] of [['set_up_agreement', setUpAgreement], ['agreement_id', agreementId]] as const) {
    if (value !== undefined && value.length !== AGREEMENT_ID_LENGTH) {
      throw invalidAttribute(field, `Field [${field}] length must be ${AGREEMENT_ID_LENGTH}`);
    }
  }

  // Pay's connector refuses a return_url on such a payment after every other check.
  if (withoutBrowser && returnUrl !== undefined) {
    throw new PayApiError({ statusCode: 400, code: 'P0104', description: 'Unexpected attribute: return_url' });
  }

  return {
    amount: amountValue,
    reference,
    description,
    ...(returnUrl === undefined ? {} : { returnUrl }),
    authorisationMode,
    moto: moto === true,
    ...(setUpAgreement === undefined ? {} : { setUpAgreement }),
    ...(agreementId === undefined ? {} : { agreementId }),
    ...(agreementPaymentType === undefined ? {} : { agreementPaymentType }),
    language,
    delayedCapture,
    ...(email === undefined ? {} : { email }),
    ...(metadata === undefined ? {} : { metadata }),
    ...(cardholderName === undefined ? {} : { cardholderName }),
    ...(billingAddress === undefined || Object.keys(billingAddress).length === 0 ? {} : { billingAddress }),
  };
}

/** A request the caller's account may make. */
export type PermittedPaymentRequest = CreatePaymentRequest & { readonly permitted: true };

const unexpectedAttribute = (field: string) =>
  new PayApiError({ statusCode: 400, code: 'P0104', description: `Unexpected attribute: ${field}` });

/**
 * The account's own settings and the attributes each mode may have, checked after the request,
 * in the order Pay's connector checks them (ChargeService `checkGatewayAccount`, then
 * `checkAgreementOptions`): the MOTO API (P0195) or MOTO (P0196); then recurring payments
 * (P0942) and what an agreement payment may not have (400 P0101/P0104, without a field).
 * Whether the agreement exists and is active is the payment service's to check, next.
 */
export function checkAccountPermits(
  request: CreatePaymentRequest,
  account: { allowMoto: boolean; allowAuthorisationApi: boolean; recurringEnabled: boolean },
): PermittedPaymentRequest {
  if (request.authorisationMode === 'moto_api') {
    if (!account.allowAuthorisationApi) {
      throw new PayApiError({
        statusCode: 422,
        code: 'P0195',
        description: 'Using authorisation_mode of moto_api is not allowed for this account',
      });
    }
  } else if (request.moto && !account.allowMoto) {
    throw new PayApiError({
      statusCode: 422,
      code: 'P0196',
      description:
        'MOTO payments are not enabled for this account. Please contact support if you would like to process MOTO payments - https://www.payments.service.gov.uk/support/ .',
    });
  }
  switch (request.authorisationMode) {
    case 'agreement':
      if (!account.recurringEnabled) throw recurringPaymentsDisabled();
      if (request.agreementId === undefined) {
        throw new PayApiError({ statusCode: 400, code: 'P0101', description: 'Missing mandatory attribute: agreement_id' });
      }
      if (request.setUpAgreement !== undefined) throw unexpectedAttribute('set_up_agreement');
      if (request.moto) throw unexpectedAttribute('moto');
      if (request.email !== undefined) throw unexpectedAttribute('email');
      if (request.cardholderName !== undefined || request.billingAddress !== undefined) {
        throw unexpectedAttribute('prefilled_cardholder_details');
      }
      break;
    case 'web':
      if (request.setUpAgreement !== undefined && !account.recurringEnabled) throw recurringPaymentsDisabled();
      break;
    default:
      if (request.setUpAgreement !== undefined) throw unexpectedAttribute('set_up_agreement');
      if (request.agreementPaymentType !== undefined) throw unexpectedAttribute('agreement_payment_type');
  }
  return { ...request, permitted: true };
}

/** The same JSON, however its keys were ordered, gives the same text: what idempotency compares. */
export function canonicaliseJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item, index) => canonicaliseItem(value, index, item)).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicaliseItem(value, key, value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A number as it was sent (12345678901234567890 and ...891 are different requests), anything else canonicalised. */
function canonicaliseItem(holder: object, key: string | number, item: unknown): string {
  return typeof item === 'number' ? JSON.stringify(keepNumberAsSent(holder, key, item)) : canonicaliseJson(item);
}
