import { randomUUID } from 'node:crypto';
import type { Executor } from '../../../platform/db/database.ts';
import { createAccountStore, type SecurityMethodRow } from '../accounts/account.store.ts';
import type { StoredPasskey } from '../passkeys/passkeys.ts';

const NO_DETAILS = {
  totp_secret: null,
  totp_last_step: null,
  phone_number: null,
  credential_id: null,
  public_key: null,
  sign_count: null,
  transports: null,
} as const;

/** Ways to get security codes added or changed from the account pages, once proved. */
export function createSecurityMethodChanges(clock: () => Date = () => new Date()) {
  const newMethod = (accountId: string, details: Pick<SecurityMethodRow, 'kind'> & Partial<SecurityMethodRow>): SecurityMethodRow => ({
    ...NO_DETAILS,
    id: randomUUID(),
    account_id: accountId,
    created_at: clock().toISOString(),
    last_used_at: null,
    ...details,
  });

  return {
    async addTextMessage(executor: Executor, input: { accountId: string; phoneNumber: string }): Promise<void> {
      await createAccountStore(executor).insertMethod(newMethod(input.accountId, { kind: 'sms', phone_number: input.phoneNumber }));
    },

    async addPasskey(executor: Executor, input: { accountId: string; passkey: StoredPasskey }): Promise<void> {
      await createAccountStore(executor).insertMethod(newMethod(input.accountId, { kind: 'passkey', ...input.passkey }));
    },

    /** The same method keeps its id and date added; only where the codes go changes. */
    changePhoneNumber(executor: Executor, input: { accountId: string; methodId: string; phoneNumber: string }): Promise<boolean> {
      return createAccountStore(executor).changePhoneNumber(input.accountId, input.methodId, input.phoneNumber);
    },
  };
}

export type SecurityMethodChanges = ReturnType<typeof createSecurityMethodChanges>;
