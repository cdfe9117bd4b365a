import { createHash, type KeyObject } from 'node:crypto';
import { createSigner, createVerifier, httpbis, MalformedSignatureError, type SignatureParameters } from 'http-message-signatures';
import { isInnerList, parseDictionary } from 'structured-headers';
import { readContentDigest } from './request-body.ts';
import { XRoadError } from './xroad-error.ts';

/**
 * HTTP Message Signatures (RFC 9421) on calls: a client signs `@method`, `@target-uri`,
 * `x-road-client` (and `content-digest`, RFC 9530, when there is a body) with `created` and
 * `keyid` (its key's JWK thumbprint); Civitas signs what it forwards the same way with its own key.
 */

/** A signature older than this is refused; the replay guard remembers each one this long. */
export const SIGNATURE_MAX_AGE_SECONDS = 300;
/** Clocks differ a little: a `created` this far in the future is still accepted. */
const CLOCK_TOLERANCE_SECONDS = 5;
const MAX_SIGNATURE_HEADER = 8 * 1024;
const NONCE = /^[\x21-\x7e]{1,100}$/;

export type RegisteredKey = { subsystemId: string; algorithm: string; publicKey: KeyObject };
/** `signedContent`: SHA-256 of the signature base, what was signed whatever the label, encoding or signature bytes. */
export type VerifiedSignature = { subsystemId: string; keyId: string; signedContent: string };

type Headers = Record<string, string | string[] | undefined>;

function definedHeaders(headers: Headers): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined));
}

/**
 * Checks the one signature on a call. `targetUri` is the URI the client called, as Civitas's
 * BASE_URL spells it. Throws XRoadError (`Client.*`) when it is missing, malformed, too old, by an
 * unknown or revoked key, or does not verify.
 */
export async function verifyClientSignature(request: {
  method: string;
  targetUri: string;
  headers: Headers;
  /** A call with a body must sign Content-Digest; the body is checked against it as it streams (request-body.ts). */
  hasBody: boolean;
  findKey(thumbprint: string): Promise<RegisteredKey | undefined>;
}): Promise<VerifiedSignature> {
  const signatureHeader = request.headers.signature;
  const inputHeader = request.headers['signature-input'];
  if (signatureHeader === undefined && inputHeader === undefined) throw new XRoadError('Client.MissingSignature', 'The request must be signed (RFC 9421) with a key of the client subsystem');
  if (typeof signatureHeader !== 'string' || typeof inputHeader !== 'string' || signatureHeader.length > MAX_SIGNATURE_HEADER || inputHeader.length > MAX_SIGNATURE_HEADER) {
    throw new XRoadError('Client.MalformedSignature', 'Give one Signature and one Signature-Input header');
  }
  let signatureInput;
  try {
    const inputs = parseDictionary(inputHeader);
    const signatures = parseDictionary(signatureHeader);
    const [label] = inputs.keys();
    if (inputs.size !== 1 || signatures.size !== 1 || label === undefined || !signatures.has(label)) throw new XRoadError('Client.MalformedSignature', 'The request must carry exactly one signature, under the same label in Signature and Signature-Input');
    signatureInput = inputs.get(label);
  } catch (error) {
    if (error instanceof XRoadError) throw error;
    throw new XRoadError('Client.MalformedSignature', 'Signature and Signature-Input must be structured dictionaries');
  }
  if (!signatureInput || !isInnerList(signatureInput)) throw new XRoadError('Client.MalformedSignature', 'Signature-Input must list the covered components');
  const nonce = signatureInput[1].get('nonce');
  if (nonce !== undefined && (typeof nonce !== 'string' || !NONCE.test(nonce))) throw new XRoadError('Client.MalformedSignature', 'The nonce parameter must be a string of 1 to 100 printable characters');
  const covered = signatureInput[0].map(([name]) => name);
  const requiredFields = ['@method', '@target-uri', 'x-road-client', ...(request.hasBody ? ['content-digest'] : []), ...(request.headers['x-road-userid'] !== undefined ? ['x-road-userid'] : [])];
  if (request.headers['x-road-userid'] !== undefined && !covered.includes('x-road-userid')) {
    throw new XRoadError('Client.InvalidSignatureValue', 'A call with X-Road-UserId must sign it: cover x-road-userid in the signature');
  }

  const { hasBody } = request;
  if (hasBody) readContentDigest(request.headers['content-digest']);

  let found: (RegisteredKey & { keyId: string }) | undefined;
  let verified: boolean | null;
  let signedBase: Buffer | undefined;
  try {
    verified = await httpbis.verifyMessage(
      {
        async keyLookup(parameters: SignatureParameters) {
          const keyId = typeof parameters.keyid === 'string' ? parameters.keyid : '';
          const key = keyId ? await request.findKey(keyId) : undefined;
          if (!key) return null;
          found = { ...key, keyId };
          const verify = createVerifier(key.publicKey, key.algorithm);
          return {
            id: keyId,
            algs: [key.algorithm],
            async verify(data: Buffer, signature: Buffer, parameters?: SignatureParameters) {
              signedBase = data;
              return verify(data, signature, parameters);
            },
          };
        },
        maxAge: SIGNATURE_MAX_AGE_SECONDS,
        tolerance: CLOCK_TOLERANCE_SECONDS,
        requiredParams: ['created', 'keyid'],
        requiredFields,
      },
      { method: request.method, url: request.targetUri, headers: definedHeaders(request.headers) },
    );
  } catch (error) {
    if (error instanceof MalformedSignatureError) throw new XRoadError('Client.MalformedSignature', 'The signature is malformed');
    throw new XRoadError('Client.InvalidSignatureValue', 'The signature is too old, from the future, by the wrong algorithm, or does not cover @method, @target-uri, x-road-client, content-digest and x-road-userid');
  }
  if (!found) throw new XRoadError('Client.InvalidSignatureValue', 'The signature is by a key no client subsystem has registered (keyid must be the JWK thumbprint)');
  if (verified !== true || !signedBase) throw new XRoadError('Client.InvalidSignatureValue', 'The signature does not verify');
  return { subsystemId: found.subsystemId, keyId: found.keyId, signedContent: createHash('sha256').update(signedBase).digest('base64url') };
}

/** Signs a request Civitas forwards, in place: adds Signature-Input and Signature under the label `civitas`. */
export async function signForwardedRequest(request: { method: string; url: string; headers: Record<string, string> }, key: { keyId: string; privateKey: KeyObject }, fields: string[]): Promise<Record<string, string>> {
  const signed = await httpbis.signMessage(
    { key: createSigner(key.privateKey, 'ed25519', key.keyId), name: 'civitas', fields, params: ['created', 'keyid', 'alg'] },
    { method: request.method, url: request.url, headers: request.headers },
  );
  return signed.headers as Record<string, string>;
}
