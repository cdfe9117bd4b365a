import { createHmac, timingSafeEqual } from 'node:crypto';
import { authError, type NotifyApiError } from '../notify.errors.ts';

/**
 * Notify's API authentication: `Authorization: Bearer <JWT>`, signed HS256 with the secret of one
 * of the service's API keys, `iss` the service id, `iat` within 30 seconds of now either way.
 */
export const CLOCK_LEEWAY_SECONDS = 30;

export type UnverifiedToken = { issuer: string; signingInput: string; signature: Buffer; issuedAt: unknown };

type DecodedPart = { part: string; value: Record<string, unknown> | undefined };

/** The last parts decoded: a client's tokens share their header, and their claims for a second. */
const lastHeader: DecodedPart = { part: '', value: undefined };
const lastPayload: DecodedPart = { part: '', value: undefined };

function decodeRemembered(last: DecodedPart, part: string): Record<string, unknown> | undefined {
  if (part !== last.part) {
    last.value = decodeJson(part);
    last.part = part;
  }
  return last.value;
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the bearer token and its claims without trusting them yet. Throws Notify's 401 and 403. */
export function readBearerToken(authorization: string | undefined): UnverifiedToken {
  if (!authorization) throw authError(401, 'Unauthorized: authentication token must be provided');
  if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') {
    throw authError(401, 'Unauthorized: authentication bearer scheme must be used');
  }
  const token = authorization.slice(7).trim();
  const parts = token.split('.');
  const invalid = () => authError(403, 'Invalid token: signature, api token is not valid');
  if (parts.length !== 3) throw invalid();
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeRemembered(lastHeader, headerPart);
  const payload = decodeRemembered(lastPayload, payloadPart);
  if (!header || !payload) throw invalid();
  if (header.alg !== 'HS256') throw authError(403, 'Invalid token: algorithm used is not HS256');
  if (typeof payload.iss !== 'string' || payload.iss === '') throw authError(403, 'Invalid token: iss field not provided');
  return {
    issuer: payload.iss,
    signingInput: `${headerPart}.${payloadPart}`,
    signature: Buffer.from(signaturePart, 'base64url'),
    issuedAt: payload.iat,
  };
}

/**
 * The official clients make a new token for each request, but from the time in whole seconds, so
 * a busy service sends the same token many times a second. An HMAC is a pure function of the
 * secret and the signed text, so the expected signatures are remembered (for a minute at most:
 * older tokens are refused for their time anyway); each request still compares its own
 * signature in constant time.
 */
const SIGNATURE_MEMORY_MS = 60_000;
const SIGNATURE_MEMORY_LIMIT = 10_000;
let rememberedSignatures = new Map<string, Buffer>();
let rememberedSince = 0;

function expectedSignature(secret: string, signingInput: string): Buffer {
  const now = Date.now();
  if (now - rememberedSince > SIGNATURE_MEMORY_MS || rememberedSignatures.size >= SIGNATURE_MEMORY_LIMIT) {
    rememberedSignatures = new Map();
    rememberedSince = now;
  }
  const key = `${secret}\n${signingInput}`;
  let expected = rememberedSignatures.get(key);
  if (expected === undefined) {
    expected = createHmac('sha256', secret).update(signingInput).digest();
    rememberedSignatures.set(key, expected);
  }
  return expected;
}

export function isSignedWith(token: UnverifiedToken, secret: string): boolean {
  const expected = expectedSignature(secret, token.signingInput);
  return expected.length === token.signature.length && timingSafeEqual(expected, token.signature);
}

/** After the signature matched: the token must have been made within 30 seconds of now. */
export function checkIssuedAt(token: UnverifiedToken, nowSeconds: number): NotifyApiError | undefined {
  const issuedAt = token.issuedAt;
  if (typeof issuedAt !== 'number' || !Number.isFinite(issuedAt)) {
    return authError(403, 'Invalid token: signature, api token is not valid');
  }
  if (issuedAt < nowSeconds - CLOCK_LEEWAY_SECONDS || issuedAt > nowSeconds + CLOCK_LEEWAY_SECONDS) {
    return authError(403, 'Error: Your system clock must be accurate to within 30 seconds');
  }
  return undefined;
}
