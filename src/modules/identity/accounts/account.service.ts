import { randomBytes, randomUUID } from 'node:crypto';
import type { Database, Executor } from '../../../platform/db/database.ts';
import { lockIdOf, lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { isDeliverableEmailAddress } from '../../notify/notify.contract.ts';
import { createAccountStore, type AccountRow, type SecurityMethodRow } from './account.store.ts';
import { checkAuthenticatorCode } from './authenticator-app.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export type Account = Pick<AccountRow, 'id' | 'email' | 'subject_salt' | 'created_at'>;

/**
 * A UK mobile number in E.164 form (+447...), or undefined. Spaces, dashes and brackets are
 * allowed as people type them; 07..., 447... and +447... are all understood.
 */
export function normaliseUkMobile(input: string): string | undefined {
  const digits = input.replace(/[\s()-]/g, '');
  const match = /^(?:\+44|0044|44|0)(7\d{9})$/.exec(digits);
  return match ? `+44${match[1]}` : undefined;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * A check of the address's form, before a code is sent to prove the rest: one Notify sends codes
 * to, of at most 254 characters (RFC 5321's limit on a path).
 */
/** The longest email address (RFC 5321's path limit less its angle brackets). */
export const EMAIL_MAX_LENGTH = 254;

export function isPlausibleEmail(email: string): boolean {
  return email.length <= EMAIL_MAX_LENGTH && isDeliverableEmailAddress(email);
}

// A hash of a password nobody has, verified when the email is unknown, so a wrong email takes as
// long to refuse as a wrong password and does not reveal which accounts exist.
let decoyHash: Promise<string> | undefined;

export function createAccountService(dependencies: { db: Database; secrets: SecretBoxes; clock?: () => Date }) {
  const { db, secrets } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const store = createAccountStore(db, secrets);

  /**
   * The account with this email address (if any) and a check of a password against it, for a
   * caller that needs the account before checking (to see whether it is locked). With no
   * account, a decoy hash is verified all the same, so the answer takes as long either way.
   */
  async function passwordCheckFor(email: string): Promise<{ account: Account | undefined; verify(password: string): Promise<boolean> }> {
    const account = await store.findByEmail(normaliseEmail(email));
    return {
      account,
      async verify(password) {
        if (!account) {
          decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
          await verifyPassword(await decoyHash, password);
          return false;
        }
        return verifyPassword(account.password_hash, password);
      },
    };
  }

  return {
    async findByEmail(email: string): Promise<Account | undefined> {
      return store.findByEmail(normaliseEmail(email));
    },

    async findById(id: string): Promise<Account | undefined> {
      return store.findById(id);
    },

    /**
     * Creates an account whose email has been verified, with its first security method. The
     * password was hashed when it was chosen, so it is not held in the clear meanwhile.
     */
    async createWithPasswordHash(
      input: { email: string; passwordHash: string; method: Omit<SecurityMethodRow, 'id' | 'account_id' | 'created_at' | 'last_used_at'> },
      executor: Executor = db,
    ): Promise<Account> {
      const now = clock().toISOString();
      const row: AccountRow = {
        id: randomUUID(),
        email: normaliseEmail(input.email),
        password_hash: input.passwordHash,
        subject_salt: randomBytes(32).toString('base64url'),
        created_at: now,
        updated_at: now,
      };
      const transactionStore = createAccountStore(executor, secrets);
      await transactionStore.insert(row);
      await transactionStore.insertMethod({ ...input.method, id: randomUUID(), account_id: row.id, created_at: now, last_used_at: null });
      return row;
    },

    /** The account, if the password is right. */
    async checkPassword(email: string, password: string): Promise<Account | undefined> {
      const check = await passwordCheckFor(email);
      return (await check.verify(password)) ? check.account : undefined;
    },

    passwordCheckFor,

    listMethods(accountId: string): Promise<SecurityMethodRow[]> {
      return store.listMethods(accountId);
    },

    /** True if the code is from one of the account's authenticator apps and was not used before. */
    async checkAuthenticatorAppCode(accountId: string, code: string): Promise<boolean> {
      const methods = (await store.listMethods(accountId)).filter((method) => method.kind === 'auth-app');
      for (const method of methods) {
        const step = method.totp_secret ? await checkAuthenticatorCode(method.totp_secret, code) : undefined;
        if (step === undefined) continue;
        if (method.totp_last_step !== null && step <= method.totp_last_step) return false;
        await store.updateMethod(method.id, { totp_last_step: step, last_used_at: clock().toISOString() });
        return true;
      }
      return false;
    },

    async phoneNumberOf(accountId: string): Promise<string | undefined> {
      const methods = await store.listMethods(accountId);
      return methods.find((method) => method.kind === 'sms' && method.phone_number)?.phone_number ?? undefined;
    },

    /** Replaces every authenticator app of the account with a new one (after recovery by email). */
    async replaceAuthenticatorApp(accountId: string, input: { secret: string; step: number }, executor: Executor = db): Promise<void> {
      const transactionStore = createAccountStore(executor, secrets);
      for (const method of await transactionStore.listMethods(accountId)) {
        if (method.kind === 'auth-app') await transactionStore.removeMethod(accountId, method.id);
      }
      await this.addAuthenticatorApp(accountId, input, executor);
    },

    /** Adds an authenticator app, proved by a code from it, beside the account's other methods. */
    async addAuthenticatorApp(accountId: string, input: { secret: string; step: number }, executor: Executor = db): Promise<void> {
      await createAccountStore(executor, secrets).insertMethod({
        id: randomUUID(),
        account_id: accountId,
        kind: 'auth-app',
        totp_secret: input.secret,
        totp_last_step: input.step,
        phone_number: null,
        credential_id: null,
        public_key: null,
        sign_count: null,
        transports: null,
        created_at: clock().toISOString(),
        last_used_at: null,
      });
    },

    async recordPasskeyUse(methodId: string, signCount: number): Promise<void> {
      await store.updateMethod(methodId, { sign_count: signCount, last_used_at: clock().toISOString() });
    },

    async changeEmail(accountId: string, email: string, executor: Executor = db): Promise<void> {
      await createAccountStore(executor, secrets).update(accountId, { email: normaliseEmail(email), updated_at: clock().toISOString() });
    },

    async removeMethod(accountId: string, methodId: string, executor: Executor = db): Promise<boolean> {
      return createAccountStore(executor, secrets).removeMethod(accountId, methodId);
    },

    /**
     * Removes one of the account's ways to get security codes unless it is the last; the removed
     * method, or undefined. The account's changes to its methods are serialised, so two removals
     * sent at once cannot each see the other method still there and leave none.
     */
    async removeMethodUnlessLast(accountId: string, methodId: string, transaction: Executor): Promise<SecurityMethodRow | undefined> {
      await lockUntilTransactionEnds(transaction, lockIdOf(`identity-methods:${accountId}`));
      const transactionStore = createAccountStore(transaction, secrets);
      const methods = await transactionStore.listMethods(accountId);
      const removing = methods.find((method) => method.id === methodId);
      if (!removing || methods.length <= 1) return undefined;
      await transactionStore.removeMethod(accountId, methodId);
      return removing;
    },

    listServicesUsed(accountId: string) {
      return store.listServiceUse(accountId);
    },

    /**
     * Sets a new password. `provedBy: 'email'` for a reset, where an emailed code was all the
     * person proved: remembered until they next prove a security code (see provedSecondFactor).
     */
    async changePassword(accountId: string, password: string, executor: Executor = db, options: { provedBy?: 'email' } = {}): Promise<void> {
      const now = clock().toISOString();
      await createAccountStore(executor, secrets).update(accountId, {
        password_hash: await hashPassword(password),
        password_set_by_email_at: options.provedBy === 'email' ? now : null,
        updated_at: now,
      });
    },

    /** Whether the password was last set by an emailed code alone, with no security code proved since. */
    async passwordSetByEmailOnly(accountId: string): Promise<boolean> {
      return Boolean((await store.findById(accountId))?.password_set_by_email_at);
    },

    /**
     * The person proved one of the account's ways to get security codes (or a passkey) in a
     * journey that proved the password at `passwordProvedAt`: the password is theirs again, unless
     * it was reset by email after that (then the journey proved the old one, not this).
     */
    provedSecondFactor(accountId: string, passwordProvedAt: string | undefined): Promise<void> {
      return passwordProvedAt ? store.clearPasswordSetByEmail(accountId, passwordProvedAt) : Promise.resolve();
    },

    recordServiceUse(accountId: string, clientId: string): Promise<void> {
      return store.recordServiceUse(accountId, clientId, clock().toISOString());
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
