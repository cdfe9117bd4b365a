/**
 * Pay's contract: the only file other modules import. The console's onboarding pages make a
 * service's Pay account and its API keys through the same account service as
 * `civitas pay account add` and `pay key add|revoke`; every change is audited there as `actor`.
 *
 * - Accounts made here take test payments through the sandbox: a live payment provider is an
 *   operator's step (`liveProvider` says whether it has one).
 * - Keys are `test` keys; the key itself is returned once, by `createTestKey`, and kept only as a hash.
 * - Refusals throw `PayAdminError` with a stable code (`INVALID_NAME`, `ACCOUNT_NOT_FOUND`,
 *   `KEY_NOT_FOUND`, `KEY_ALREADY_REVOKED`) and a message safe to log.
 * - A key is revoked only through the account it belongs to.
 */
import type { AuditService } from '../../platform/audit/audit.service.ts';
import type { Config } from '../../platform/config/config.schema.ts';
import type { Database, Executor } from '../../platform/db/database.ts';
import { secretBoxesOf } from '../../platform/secrets/secret-box.ts';
import { AccountError, createAccountService } from './accounts/account.service.ts';
import { createAccountStore } from './accounts/account.store.ts';

export type PayAccountSummary = { id: string; name: string; liveProvider: string | null; createdAt: string };
export type PayKeySummary = { id: string; type: 'test' | 'live'; hint: string; description: string; createdAt: string; revokedAt: string | null };

export type ServicePay = {
  /** In `transaction` when given: the account is kept only if the caller's change is. */
  createAccount(input: { name: string; actor: string; transaction?: Executor }): Promise<PayAccountSummary>;
  findAccount(accountId: string): Promise<PayAccountSummary | undefined>;
  /** The key itself, returned here and never again. */
  createTestKey(input: { accountId: string; description: string; actor: string }): Promise<{ id: string; key: string }>;
  listKeys(accountId: string): Promise<PayKeySummary[]>;
  revokeKey(input: { accountId: string; keyId: string; actor: string }): Promise<void>;
};

export { AccountError as PayAdminError };

const KEY_ID = /^[a-z0-9]{1,64}$/i;

export function createServicePay(platform: { db: Database; config: Config; audit: AuditService; clock?: () => Date }): ServicePay {
  const accounts = createAccountService({
    db: platform.db,
    store: createAccountStore({ secrets: secretBoxesOf(platform.config) }),
    audit: platform.audit,
    clock: platform.clock ?? (() => new Date()),
  });
  const summaryOf = (account: { id: string; name: string; liveProvider: string | null; createdAt: string }): PayAccountSummary => ({
    id: account.id,
    name: account.name,
    liveProvider: account.liveProvider,
    createdAt: account.createdAt,
  });
  return {
    async createAccount(input) {
      return summaryOf(await accounts.createAccount({ name: input.name, actor: input.actor, ...(input.transaction ? { transaction: input.transaction } : {}) }));
    },
    async findAccount(accountId) {
      const account = await accounts.findAccount(accountId);
      return account && summaryOf(account);
    },
    async createTestKey(input) {
      const { key, summary } = await accounts.createKey({ accountId: input.accountId, type: 'test', description: input.description, actor: input.actor });
      return { id: summary.id, key };
    },
    async listKeys(accountId) {
      return (await accounts.listKeys(accountId)).map((key) => ({
        id: key.id,
        type: key.type,
        hint: key.hint,
        description: key.description,
        createdAt: key.createdAt,
        revokedAt: key.revokedAt,
      }));
    },
    async revokeKey(input) {
      // By id only, and only a key of this account: an id is never taken for the key itself here.
      const owned = KEY_ID.test(input.keyId) && (await accounts.listKeys(input.accountId)).some((key) => key.id === input.keyId);
      if (!owned) throw new AccountError('KEY_NOT_FOUND', 'There is no such API key');
      await accounts.revokeKey({ keyId: input.keyId, actor: input.actor });
    },
  };
}
