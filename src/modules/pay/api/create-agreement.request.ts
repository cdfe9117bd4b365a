import type { CreateAgreementRequest } from '../agreements/agreement.service.ts';
import { invalidAttribute, missingAttribute, unparsableJson, wrongType } from '../pay.errors.ts';

/**
 * Reads the body of `POST /v1/agreements` as pay-publicapi does (RequestJsonParser
 * `parseAgreementRequest`, then the bean validation of CreateAgreementRequest): first each
 * attribute's presence and type, a 400 with the agreement codes P2101 (missing or blank) and
 * P2102 (not text, or holding `<`, `>` or `|`, which Pay's firewall rules refuse); then the
 * lengths, a 422 P0102 (publicapi's ViolationExceptionMapper answers every bean violation with
 * the payment code). Unknown attributes are ignored.
 */

const TEXT_LIMIT = 255;
const NOT_ALLOWED_CHARACTERS = /[<>|]/;

type Json = Record<string, unknown>;

function readRequiredText(body: Json, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw missingAttribute(field, 'P2101');
  if (typeof value !== 'string') throw wrongType(field, 'Must be a valid string format', 'P2102');
  if (value.trim() === '') throw missingAttribute(field, 'P2101');
  if (NOT_ALLOWED_CHARACTERS.test(value)) throw wrongType(field, 'Must be a valid string format', 'P2102');
  return value;
}

/** 1 to 255 characters, as `@Size(min = 1, max = 255)`, whose message speaks only of the maximum. */
function checkSize(field: string, value: string | undefined): void {
  if (value !== undefined && (value.length < 1 || value.length > TEXT_LIMIT)) {
    throw invalidAttribute(field, `Must be less than or equal to ${TEXT_LIMIT} characters length`);
  }
}

export function parseCreateAgreementRequest(body: unknown): CreateAgreementRequest {
  if (body === null || body === undefined) throw unparsableJson('P2197');
  // Jackson reads any JSON value as a tree; one that is not an object simply has no attributes.
  const fields: Json = typeof body === 'object' && !Array.isArray(body) ? (body as Json) : {};
  const reference = readRequiredText(fields, 'reference');
  const description = readRequiredText(fields, 'description');
  let userIdentifier: string | undefined;
  const given = fields.user_identifier;
  if (given !== undefined && given !== null) {
    if (typeof given !== 'string') throw wrongType('user_identifier', 'Field must be a string', 'P2102');
    userIdentifier = given;
  }
  checkSize('reference', reference);
  checkSize('description', description);
  checkSize('user_identifier', userIdentifier);
  return { reference, description, ...(userIdentifier === undefined ? {} : { userIdentifier }) };
}
