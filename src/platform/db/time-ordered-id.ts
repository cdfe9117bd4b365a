import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

const RANDOM_BYTES_PER_ID = 10;
const randomPool = Buffer.alloc(RANDOM_BYTES_PER_ID * 256);
let randomPoolOffset = randomPool.length;

/** Twenty random hex digits, drawn from a pool filled 256 ids at a time. */
function randomHex(): string {
  if (randomPoolOffset === randomPool.length) {
    randomFillSync(randomPool);
    randomPoolOffset = 0;
  }
  const start = randomPoolOffset;
  randomPoolOffset += RANDOM_BYTES_PER_ID;
  return randomPool.toString('hex', start, randomPoolOffset);
}

/**
 * A UUID version 7 (RFC 9562): the time in milliseconds first, then random bits. A valid UUID
 * like any other to an API client, but new ids sort after old ones, so each insert lands at
 * the end of the primary key's index instead of on a random page: far fewer pages written per
 * commit when thousands of rows (notifications, jobs) are added a second. Within one millisecond a counter in
 * the first random bits keeps the order.
 */
export function createTimeOrderedId(now = Date.now()): string {
  const random = randomHex();
  if (now <= lastMs) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMs += 1;
  } else {
    lastMs = now;
    sequence = parseInt(random.slice(0, 3), 16) & 0x7ff;
  }
  const time = lastMs.toString(16).padStart(12, '0');
  const variant = (8 | (parseInt(random[3] as string, 16) & 3)).toString(16);
  const hex = `${time}7${sequence.toString(16).padStart(3, '0')}${variant}${random.slice(5, 20)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
