import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Database } from '../../../platform/db/database.ts';
import { createOneTimeCodeStore } from './one-time-code.store.ts';

export type CodePurpose = 'verify-email' | 'sign-in-email' | 'recover-security-method' | 'reset-password' | 'change-email' | 'verify-phone' | 'sign-in-sms';

/** Codes sent by email or text message are valid for 15 minutes, as GOV.UK One Login's are. */
export const CODE_LIFETIME_MINUTES = 15;

/**
 * Six-digit codes sent to an email address or phone. Only an HMAC of each code is kept, keyed
 * with a server secret, so a copy of the database cannot be searched for the codes.
 */
export function createOneTimeCodes(dependencies: { db: Database; secret: string; clock?: () => Date }) {
  const { db, secret } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const store = createOneTimeCodeStore(db);
  const digest = (purpose: string, recipient: string, code: string) =>
    createHmac('sha256', secret).update(`${purpose}\u0000${recipient}\u0000${code}`).digest();

  return {
    /** Makes a new code for the recipient, replacing any earlier one; returns it to be sent. */
    async issue(purpose: CodePurpose, recipient: string): Promise<string> {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const now = clock();
      await store.replace({
        id: randomUUID(),
        purpose,
        recipient,
        code_hash: digest(purpose, recipient, code).toString('base64url'),
        expires_at: new Date(now.getTime() + CODE_LIFETIME_MINUTES * 60_000).toISOString(),
        used_at: null,
        created_at: now.toISOString(),
      });
      return code;
    },

    /** True once for the right code within its lifetime; the code cannot be used again. */
    async redeem(purpose: CodePurpose, recipient: string, code: string): Promise<boolean> {
      const now = clock().toISOString();
      const row = await store.findUsable(purpose, recipient, now);
      if (!row) return false;
      const expected = Buffer.from(row.code_hash, 'base64url');
      const given = digest(purpose, recipient, code);
      if (!timingSafeEqual(expected, given)) return false;
      return store.markUsed(row.id, now);
    },
  };
}

export type OneTimeCodes = ReturnType<typeof createOneTimeCodes>;
