import { createHash } from 'node:crypto';

export const SUBJECT_PREFIX = 'urn:fdc:civitas:2024:';

/**
 * The `sub` a sector sees: a salted hash of the sector, the account and the account's own salt.
 * Services in different sectors get different values for one person and cannot link them; the
 * per-account salt means knowing an account id is not enough to compute its subjects.
 */
export function derivePairwiseSubject(input: { sector: string; accountId: string; accountSalt: string }): string {
  const digest = createHash('sha256')
    .update(input.sector)
    .update('\u0000')
    .update(input.accountId)
    .update('\u0000')
    .update(input.accountSalt)
    .digest('base64url');
  return `${SUBJECT_PREFIX}${digest}`;
}
