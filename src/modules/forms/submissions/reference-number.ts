import { randomInt } from 'node:crypto';

/** Characters that cannot be mistaken for each other when read out or typed: no 0, O, 1 or I. */
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** A reference in the form's format: each `#` a random character, anything else as written. */
export function createReferenceNumber(format: string): string {
  return [...format].map((character) => (character === '#' ? ALPHABET[randomInt(ALPHABET.length)] : character)).join('');
}
