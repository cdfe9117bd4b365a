import { createHash, createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { encodeBase32Hex } from '../pay-id.ts';

export type KeyType = 'test' | 'live';

const RANDOM_LENGTH = 26;
const CHECKSUM_LENGTH = 32;
const KEY_PATTERN = /^api_(test|live)_([0-9a-v]{26})([0-9a-v]{32})$/;

/**
 * API keys look like GOV.UK Pay's: `api_test_` or `api_live_`, then 26 characters of random
 * base32hex, then 32 characters of base32hex HMAC-SHA1 of everything before it, keyed with this
 * installation's checksum key. The checksum turns away mistyped or made-up keys before any
 * database look-up; only the SHA-256 hash of a key is ever stored.
 */
export function generateApiKey(type: KeyType, checksumKey: KeyObject): string {
  const body = `api_${type}_${encodeBase32Hex(randomBytes(17), RANDOM_LENGTH)}`;
  return body + computeChecksum(body, checksumKey);
}

/** The checksum key as a KeyObject, made once: cheaper for every HMAC after. */
export function createChecksumKey(secret: Buffer): KeyObject {
  return createSecretKey(secret);
}

function computeChecksum(body: string, checksumKey: KeyObject): string {
  return encodeBase32Hex(createHmac('sha1', checksumKey).update(body).digest(), CHECKSUM_LENGTH);
}

/** The key's type when it is well formed and its checksum is right; undefined otherwise. */
export function checkApiKey(key: string, checksumKey: KeyObject): KeyType | undefined {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const body = key.slice(0, key.length - CHECKSUM_LENGTH);
  const expected = Buffer.from(computeChecksum(body, checksumKey));
  const given = Buffer.from(match[3] as string);
  return timingSafeEqual(expected, given) ? (match[1] as KeyType) : undefined;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** What the team pages show of a key, so people can tell keys apart: never enough to use it. */
export function describeApiKeyHint(key: string): string {
  return `${key.slice(0, 13)}…${key.slice(-4)}`;
}
