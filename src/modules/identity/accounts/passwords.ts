import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

// @node-rs/argon2's Algorithm is a const enum, which type stripping cannot use; 2 is Argon2id.
const ARGON2ID_ALGORITHM = 2;

/** OWASP's recommended Argon2id parameters: 19 MiB of memory, 2 passes, 1 lane. */
const ARGON2ID = { algorithm: ARGON2ID_ALGORITHM, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let commonPasswords: ReadonlySet<string> | undefined;

/** The 30,000 most common passwords in leaked password sets, from zxcvbn-ts. Built on first use. */
function loadCommonPasswords(): ReadonlySet<string> {
  commonPasswords ??= new Set(dictionary['passwords-common'].map((word) => word.toLowerCase()));
  return commonPasswords;
}

export type PasswordProblem = 'missing' | 'tooShort' | 'tooLong' | 'common' | 'repetitive' | 'sequence';

/** Whether a password typed to be checked is past the longest any account can have: it is refused without being checked. */
export function isPasswordTooLong(password: string): boolean {
  return [...password].length > PASSWORD_MAX_LENGTH;
}

/** The longest group of characters whose repetition makes a password "repetitive" ("abcabcabc"). */
const REPEATED_UNIT_MAX_LENGTH = 4;

/** One character, or a group of at most 4, over and over ("aaaaaaaa", "abababab", "123123123"), ignoring case. */
function isRepetitive(characters: readonly string[]): boolean {
  for (let unit = 1; unit <= REPEATED_UNIT_MAX_LENGTH && unit * 2 <= characters.length; unit += 1) {
    if (characters.every((character, index) => character === characters[index % unit])) return true;
  }
  return false;
}

/** +1 or -1 when `to` follows `from` in a run of digits ("...789" then "0") or of letters; otherwise undefined. */
function stepOf(from: string, to: string): number | undefined {
  const isDigit = (character: string) => character >= '0' && character <= '9';
  const isLetter = (character: string) => character >= 'a' && character <= 'z';
  if (isDigit(from) && isDigit(to)) {
    const difference = (to.charCodeAt(0) - from.charCodeAt(0) + 10) % 10;
    return difference === 1 ? 1 : difference === 9 ? -1 : undefined;
  }
  if (isLetter(from) && isLetter(to)) {
    const difference = to.charCodeAt(0) - from.charCodeAt(0);
    return difference === 1 || difference === -1 ? difference : undefined;
  }
  return undefined;
}

/** A plain run of digits or letters, up or down ("12345678", "abcdefgh", "98765432"), ignoring case. */
function isSequence(characters: readonly string[]): boolean {
  const [first, second] = characters;
  const step = first !== undefined && second !== undefined ? stepOf(first, second) : undefined;
  if (step === undefined) return false;
  return characters.slice(1).every((character, index) => stepOf(characters[index] as string, character) === step);
}

/**
 * NIST SP 800-63B: length and a block list, no composition rules. The block list is the common
 * passwords and what 800-63B names besides: repetitive or sequential characters.
 */
export function checkNewPassword(password: string): PasswordProblem | undefined {
  if (password.length === 0) return 'missing';
  const characters = [...password.toLowerCase()];
  if ([...password].length < PASSWORD_MIN_LENGTH) return 'tooShort';
  if ([...password].length > PASSWORD_MAX_LENGTH) return 'tooLong';
  if (isRepetitive(characters)) return 'repetitive';
  if (isSequence(characters)) return 'sequence';
  if (loadCommonPasswords().has(password.toLowerCase())) return 'common';
  return undefined;
}
