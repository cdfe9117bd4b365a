import { randomFillSync } from 'node:crypto';

const BASE32_HEX = '0123456789abcdefghijklmnopqrstuv';

/** Encodes bytes as lowercase base32hex (RFC 4648, no padding), `length` characters long. */
export function encodeBase32Hex(bytes: Uint8Array, length: number): string {
  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && text.length < length) {
      bits -= 5;
      text += BASE32_HEX[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (text.length < length && bits > 0) text += BASE32_HEX[(buffer << (5 - bits)) & 31];
  return text.slice(0, length);
}

const TIME_CHARACTERS = 9;
const RANDOM_CHARACTERS = 17;
/** Random bytes fetched in bulk: one system call for many ids. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function takeRandomBytes(count: number): Buffer {
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + count);
  poolOffset += count;
  return bytes;
}

/**
 * A new id for a payment, refund, account, webhook or message: 26 characters of base32hex,
 * shaped like GOV.UK Pay's ids. The first 9 encode the time in milliseconds and the other 17 are
 * random (85 bits): ids made later sort later, so each insert lands at the end of its index
 * instead of on a random page, and an id still cannot be guessed.
 */
export function generatePayId(now = Date.now()): string {
  let time = '';
  let value = now;
  for (let index = 0; index < TIME_CHARACTERS; index += 1) {
    time = BASE32_HEX[value % 32] + time;
    value = Math.floor(value / 32);
  }
  return time + encodeBase32Hex(takeRandomBytes(11), RANDOM_CHARACTERS);
}

export const PAY_ID_PATTERN = /^[0-9a-v]{26}$/;
