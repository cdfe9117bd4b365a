import { createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, importJWK, type JWK } from 'jose';

/**
 * The public keys a subsystem signs its calls with: ES256 (P-256) or Ed25519, given as PEM or
 * JWK, one key or a JWK Set (several at once, for rotation). Each is known by its RFC 7638
 * thumbprint, which is the `keyid` of the subsystem's HTTP message signatures.
 */

/** The RFC 9421 algorithm a key signs with. */
export type SignatureAlgorithm = 'ecdsa-p256-sha256' | 'ed25519';
export type SubsystemPublicKey = { thumbprint: string; algorithm: SignatureAlgorithm; jwk: JWK };

export class PublicKeyError extends Error {
  override readonly name = 'PublicKeyError';
}

/** More would be no rotation but a key store. */
const MAX_KEYS = 10;
const MAX_TEXT = 64 * 1024;

function algorithmOf(jwk: JWK): SignatureAlgorithm {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ecdsa-p256-sha256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'ed25519';
  throw new PublicKeyError('Each key must be an ES256 (P-256) or Ed25519 public key');
}

/** Only the members of a public key, so nothing else a file held is kept. */
function publicMembersOf(jwk: JWK): JWK {
  return jwk.kty === 'EC' ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: 'OKP', crv: jwk.crv, x: jwk.x };
}

async function readJwk(candidate: unknown): Promise<SubsystemPublicKey> {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) throw new PublicKeyError('A JWK must be a JSON object');
  const jwk = candidate as JWK;
  if ('d' in jwk) throw new PublicKeyError('That is a private key: give the public key only');
  const algorithm = algorithmOf(jwk);
  const publicJwk = publicMembersOf(jwk);
  try {
    // Proves the point is on the curve and the members are well formed.
    await importJWK(publicJwk, algorithm === 'ed25519' ? 'EdDSA' : 'ES256');
  } catch {
    throw new PublicKeyError('The key is not a valid public key');
  }
  return { thumbprint: await calculateJwkThumbprint(publicJwk, 'sha256'), algorithm, jwk: publicJwk };
}

async function readPem(text: string): Promise<SubsystemPublicKey> {
  if (/PRIVATE KEY/.test(text)) throw new PublicKeyError('That is a private key: give the public key only');
  let jwk: JWK;
  try {
    jwk = await exportJWK(createPublicKey({ key: text, format: 'pem' }));
  } catch {
    throw new PublicKeyError('The PEM text is not a public key');
  }
  return readJwk(jwk);
}

/** Reads one PEM public key, one JWK, or a JWK Set; throws PublicKeyError. */
export async function readPublicKeys(text: string): Promise<SubsystemPublicKey[]> {
  if (text.length > MAX_TEXT) throw new PublicKeyError('The key file is too large');
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) {
    const blocks = trimmed.match(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g) ?? [];
    if (blocks.length === 0 || blocks.length > MAX_KEYS) throw new PublicKeyError(`Give 1 to ${MAX_KEYS} public keys`);
    return Promise.all(blocks.map(readPem));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new PublicKeyError('The key must be PEM, a JWK or a JWK Set');
  }
  const keys = typeof parsed === 'object' && parsed !== null && 'keys' in parsed ? (parsed as { keys: unknown }).keys : [parsed];
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS) throw new PublicKeyError(`Give 1 to ${MAX_KEYS} public keys`);
  const read = await Promise.all(keys.map(readJwk));
  if (new Set(read.map((key) => key.thumbprint)).size !== read.length) throw new PublicKeyError('The same key is given twice');
  return read;
}
