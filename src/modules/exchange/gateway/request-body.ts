import { createHash, timingSafeEqual } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { parseDictionary } from 'structured-headers';
import { XRoadError } from './xroad-error.ts';

/** Bodies larger than this are refused (requests) or cut off (answers). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const DIGESTS = { 'sha-256': 'sha256', 'sha-512': 'sha512' } as const;
type DigestName = keyof typeof DIGESTS;

/**
 * A call's body, not yet read, as the gateway's content parser leaves it: the stream is private, so
 * hooks that walk a parsed body's fields (the kernel's unstorable-text check) find none to walk.
 */
export class UnreadBody {
  readonly #stream: Readable;

  constructor(stream: Readable) {
    this.#stream = stream;
  }

  get stream(): Readable {
    return this.#stream;
  }
}

/** What a body turned out to be once it had all arrived: its size and its digests. */
export type ReceivedBody = { size: number; sha512: Buffer; sha256: Buffer | undefined };

/**
 * A call's body as it arrives, passed on as it comes (never held whole): counted, refused past
 * MAX_BODY_BYTES, and hashed for Content-Digest and X-Road-Request-Hash. `received` settles when
 * it has all arrived. `drain` reads what is left when the call is not forwarded.
 *
 * The last chunk is always held back until the whole body has arrived and `check` (its
 * Content-Digest) passed: a body that is not the one signed ends in an error instead, so whoever
 * reads the stream (the provider) never gets all of it, with Content-Length or chunked.
 */
export type MeteredBody = { stream: Transform; received: Promise<ReceivedBody>; drain(): Promise<ReceivedBody> };

export function meterRequestBody(source: Readable, options: { sha256: boolean; check(body: ReceivedBody): void }): MeteredBody {
  const sha512 = createHash('sha512');
  const sha256 = options.sha256 ? createHash('sha256') : undefined;
  let size = 0;
  let heldBack: Buffer | undefined;
  let settle!: { resolve(body: ReceivedBody): void; reject(error: XRoadError): void };
  const received = new Promise<ReceivedBody>((resolve, reject) => (settle = { resolve, reject }));
  received.catch(() => undefined);
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        const error = new XRoadError('Client.BadRequest', 'The request body is larger than 10 MB');
        settle.reject(error);
        done(error);
        return;
      }
      sha512.update(chunk);
      sha256?.update(chunk);
      const previous = heldBack;
      heldBack = chunk;
      done(null, previous);
    },
    flush(done) {
      const body = { size, sha512: sha512.digest(), sha256: sha256?.digest() };
      settle.resolve(body);
      try {
        options.check(body);
      } catch (error) {
        done(error instanceof Error ? error : new XRoadError('Client.InvalidSignatureValue', 'Content-Digest does not match the body'));
        return;
      }
      done(null, heldBack);
    },
  });
  const cutOff = () => settle.reject(new XRoadError('Client.BadRequest', 'The request body was cut off'));
  source.on('error', cutOff);
  source.on('aborted', cutOff);
  stream.on('error', () => undefined);
  source.pipe(stream);
  return {
    stream,
    received,
    drain() {
      stream.resume();
      return received;
    },
  };
}

/** Whether Content-Digest names sha-256, so it is worth computing while the body streams. */
export function namesSha256(header: string | string[] | undefined): boolean {
  return typeof header === 'string' && header.includes('sha-256');
}

/**
 * RFC 9530, checked before the body is read: a body must come with Content-Digest giving sha-256
 * or sha-512 (others are ignored) as byte sequences. Returns the digests to check it against.
 */
export function readContentDigest(header: string | string[] | undefined): Map<DigestName, Buffer> {
  if (typeof header !== 'string') throw new XRoadError('Client.InvalidSignatureValue', 'A request with a body must carry Content-Digest, and sign it');
  let dictionary;
  try {
    dictionary = parseDictionary(header);
  } catch {
    throw new XRoadError('Client.MalformedSignature', 'Content-Digest is not a structured dictionary');
  }
  const expected = new Map<DigestName, Buffer>();
  for (const name of Object.keys(DIGESTS) as DigestName[]) {
    const item = dictionary.get(name);
    if (item === undefined) continue;
    const given = item[0];
    if (!(given instanceof ArrayBuffer)) throw new XRoadError('Client.MalformedSignature', 'Content-Digest values must be byte sequences');
    expected.set(name, Buffer.from(given));
  }
  if (expected.size === 0) throw new XRoadError('Client.InvalidSignatureValue', 'Content-Digest must give sha-256 or sha-512');
  return expected;
}

/** Once the body has all arrived: every digest Content-Digest gave must be the body's. */
export function checkContentDigest(expected: Map<DigestName, Buffer>, body: ReceivedBody): void {
  for (const [name, given] of expected) {
    const actual = name === 'sha-512' ? body.sha512 : body.sha256;
    if (!actual || given.length !== actual.length || !timingSafeEqual(given, actual)) throw new XRoadError('Client.InvalidSignatureValue', 'Content-Digest does not match the body');
  }
}
