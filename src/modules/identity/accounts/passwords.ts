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

export type PasswordProblem = 'missing' | 'tooShort' | 'tooLong' | 'common';

/** NIST SP 800-63B: length and a block list, no composition rules. */
export function checkNewPassword(password: string): PasswordProblem | undefined {
  if (password.length === 0) return 'missing';
  if ([...password].length < PASSWORD_MIN_LENGTH) return 'tooShort';
  if ([...password].length > PASSWORD_MAX_LENGTH) return 'tooLong';
  if (loadCommonPasswords().has(password.toLowerCase())) return 'common';
  return undefined;
}
