import { createHash, sign, type KeyObject } from 'node:crypto';
import { createVerifier, httpbis, MalformedSignatureError, type SignatureParameters } from 'http-message-signatures';
import { isInnerList, parseDictionary, serializeList, Token, type BareItem, type InnerList } from 'structured-headers';
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
export const CLOCK_TOLERANCE_SECONDS = 5;
const MAX_SIGNATURE_HEADER = 8 * 1024;
const NONCE = /^[\x21-\x7e]{1,100}$/;

export type RegisteredKey = { subsystemId: string; algorithm: string; publicKey: KeyObject };
/**
 * `signedContent`: SHA-256 of the signature base, what was signed whatever the label, encoding or
 * signature bytes. `created`: the second (since 1970) the signature says it was made, part of that base.
 */
export type VerifiedSignature = { subsystemId: string; keyId: string; signedContent: string; created: number };

type Headers = Record<string, string | string[] | undefined>;

function definedHeaders(headers: Headers): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined));
}

/** A parameter as the library reads it for a key lookup: text, a token's text, or bytes in base64. */
function parameterText(value: BareItem | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Token) return value.toString();
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString('base64');
  return undefined;
}

/** Covered components named plainly (no parameters): `@method`, `@target-uri` and header fields. */
function isPlain(input: InnerList): boolean {
  return input[0].every(([name, parameters]) => typeof name === 'string' && parameters.size === 0 && /^(@method|@target-uri|[a-z0-9-]+)$/.test(name));
}

/**
 * For plainly named components, the signature base (RFC 9421 2.5) of what a call says it signed,
 * after the checks http-message-signatures' verifyMessage makes, in its order and with its errors:
 * the algorithm, `created` and `keyid` given, the required components covered, not too old, not
 * from the future, not expired. request-signature.test.ts compares both ways on the same calls.
 */
function plainSignatureBase(call: { method: string; targetUri: string; headers: Headers; input: InnerList; requiredFields: readonly string[]; algorithm: string }): Buffer {
  const { input } = call;
  const parameters = input[1];
  const alg = parameters.get('alg');
  if (alg !== undefined && alg !== call.algorithm) throw new Error('Unsupported key algorithm');
  if (!parameters.has('created') || !parameters.has('keyid')) throw new Error('Missing required signature parameters');
  if (!call.requiredFields.every((field) => input[0].some(([name]) => name === field))) throw new Error('Missing required signed fields');
  const now = Math.floor(Date.now() / 1000);
  const created = Number(parameters.get('created')) - CLOCK_TOLERANCE_SECONDS;
  if (now - created > SIGNATURE_MAX_AGE_SECONDS || created > now) throw new Error('Signature is too old');
  if (parameters.has('expires') && now > Number(parameters.get('expires')) + CLOCK_TOLERANCE_SECONDS) throw new Error('Signature has expired');
  const lines = input[0].map(([name]) => {
    if (name === '@method') return `"@method": ${call.method.toUpperCase()}`;
    if (name === '@target-uri') return `"@target-uri": ${call.targetUri}`;
    const value = call.headers[name as string];
    if (value === undefined) throw new Error(`No header "${String(name)}" found in headers`);
    return `"${String(name)}": ${(Array.isArray(value) ? value : [value]).map((each) => each.trim().replace(/\n\s*/gm, ' ')).join(', ')}`;
  });
  lines.push(`"@signature-params": ${serializeList([input])}`);
  return Buffer.from(lines.join('\n'));
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
  let signatures;
  let signatureLabel = '';
  try {
    const inputs = parseDictionary(inputHeader);
    signatures = parseDictionary(signatureHeader);
    const [label] = inputs.keys();
    if (inputs.size !== 1 || signatures.size !== 1 || label === undefined || !signatures.has(label)) throw new XRoadError('Client.MalformedSignature', 'The request must carry exactly one signature, under the same label in Signature and Signature-Input');
    signatureInput = inputs.get(label);
    signatureLabel = label;
  } catch (error) {
    if (error instanceof XRoadError) throw error;
    throw new XRoadError('Client.MalformedSignature', 'Signature and Signature-Input must be structured dictionaries');
  }
  if (!signatureInput || !isInnerList(signatureInput)) throw new XRoadError('Client.MalformedSignature', 'Signature-Input must list the covered components');
  // A signature whose times are not whole seconds would never be too old: the library lets them through.
  for (const name of ['created', 'expires']) {
    const value = signatureInput[1].get(name);
    if (value !== undefined && !Number.isInteger(value)) throw new XRoadError('Client.MalformedSignature', `The ${name} parameter must be an integer (seconds since 1970)`);
  }
  const nonce = signatureInput[1].get('nonce');
  if (nonce !== undefined && (typeof nonce !== 'string' || !NONCE.test(nonce))) throw new XRoadError('Client.MalformedSignature', 'The nonce parameter must be a string of 1 to 100 printable characters');
  const covered = signatureInput[0].map(([name]) => name);
  // RFC 9421 section 2: component names are lower case, and one named twice, with the same parameters, makes the signature invalid.
  if (covered.some((name) => String(name) !== String(name).toLowerCase())) throw new XRoadError('Client.MalformedSignature', 'Signature-Input names components in lower case only');
  const components = signatureInput[0].map(([name, parameters]) => JSON.stringify([String(name), [...parameters].map(([key, value]) => [key, String(value)])]));
  if (new Set(components).size !== components.length) throw new XRoadError('Client.MalformedSignature', 'Signature-Input names a component twice');
  const requiredFields = ['@method', '@target-uri', 'x-road-client', ...(request.hasBody ? ['content-digest'] : []), ...(request.headers['x-road-userid'] !== undefined ? ['x-road-userid'] : [])];
  if (request.headers['x-road-userid'] !== undefined && !covered.includes('x-road-userid')) {
    throw new XRoadError('Client.InvalidSignatureValue', 'A call with X-Road-UserId must sign it: cover x-road-userid in the signature');
  }

  const { hasBody } = request;
  if (hasBody) readContentDigest(request.headers['content-digest']);

  const signature = signatures.get(signatureLabel);
  let found: (RegisteredKey & { keyId: string }) | undefined;
  let verified: boolean | null;
  let signedBase: Buffer | undefined;
  try {
    if (isPlain(signatureInput)) {
      // The usual call: the base is built here, checked as the library checks it, at a fraction of its cost.
      const keyId = parameterText(signatureInput[1].get('keyid'));
      const key = keyId ? await request.findKey(keyId) : undefined;
      if (key) {
        found = { ...key, keyId: keyId as string };
        signedBase = plainSignatureBase({ method: request.method, targetUri: request.targetUri, headers: request.headers, input: signatureInput, requiredFields, algorithm: key.algorithm });
        if (!signature || !(signature[0] instanceof ArrayBuffer)) throw new MalformedSignatureError('Malformed signature');
        verified = await createVerifier(key.publicKey, key.algorithm)(signedBase, Buffer.from(signature[0]));
      } else verified = null;
    } else {
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
    }
  } catch (error) {
    if (error instanceof MalformedSignatureError) throw new XRoadError('Client.MalformedSignature', 'The signature is malformed');
    throw new XRoadError('Client.InvalidSignatureValue', 'The signature is too old, from the future, by the wrong algorithm, or does not cover @method, @target-uri, x-road-client, content-digest and x-road-userid');
  }
  if (!found) throw new XRoadError('Client.InvalidSignatureValue', 'The signature is by a key no client subsystem has registered (keyid must be the JWK thumbprint)');
  if (verified !== true || !signedBase) throw new XRoadError('Client.InvalidSignatureValue', 'The signature does not verify');
  return { subsystemId: found.subsystemId, keyId: found.keyId, signedContent: createHash('sha256').update(signedBase).digest('base64url'), created: Number(signatureInput[1].get('created')) };
}

/** An RFC 8941 string: printable ASCII only, with `"` and `\` escaped. */
function serializeString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new Error('A signature parameter must be printable ASCII');
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** A covered component's value (RFC 9421 2.1, 2.2): a derived one, or a header field's, trimmed. */
function componentValue(request: { method: string; url: string; headers: Record<string, string> }, field: string): string {
  if (!/^@?[a-z0-9-]+$/.test(field)) throw new Error(`Cannot sign ${field}: a plain lower-case name is needed`);
  if (field === '@method') return request.method.toUpperCase();
  if (field === '@target-uri') return request.url;
  const value = request.headers[field];
  if (value === undefined || field.startsWith('@')) throw new Error(`Cannot sign ${field}: no such header`);
  return value.trim().replace(/\n\s*/g, ' ');
}

/**
 * Signs a request Civitas forwards: adds Signature-Input and Signature under the label `civitas`.
 * The components are Civitas's own choice (plain names, no parameters) and their values its own,
 * so the signature base (RFC 9421 2.5) is written here directly: byte for byte what
 * http-message-signatures' signMessage makes (request-signature.test.ts compares the two), at a
 * third of its cost, which was twice that of the Ed25519 signature itself.
 */
export async function signForwardedRequest(request: { method: string; url: string; headers: Record<string, string> }, key: { keyId: string; privateKey: KeyObject }, fields: string[], created = new Date()): Promise<Record<string, string>> {
  const signatureParams = `(${fields.map((field) => `"${field}"`).join(' ')});created=${Math.floor(created.getTime() / 1000)};keyid=${serializeString(key.keyId)};alg="ed25519"`;
  const base = [...fields.map((field) => `"${field}": ${componentValue(request, field)}`), `"@signature-params": ${signatureParams}`].join('\n');
  const signature = sign(null, Buffer.from(base), key.privateKey);
  return { ...request.headers, Signature: `civitas=:${signature.toString('base64')}:`, 'Signature-Input': `civitas=${signatureParams}` };
}
