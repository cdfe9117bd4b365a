import type { Executor } from '../../../platform/db/database.ts';
import { notSealedUnderCurrentKey } from '../../../platform/secrets/resealing.store.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { createCompiledQueryCache } from '../payments/compiled-query.store.ts';

export type AccountRow = {
  id: string;
  name: string;
  /** The provider that takes live payments; null until one is set up (live keys are refused). */
  live_provider: string | null;
  rate_limit_post: number;
  rate_limit_other: number;
  /** 1 when payments may be created with `moto: true` (GOV.UK Pay's `allow_moto`). */
  allow_moto: number;
  /** 1 when payments may be created with `authorisation_mode: moto_api` (Pay's `allow_authorisation_api`). */
  allow_authorisation_api: number;
  /** 1 when the account takes recurring card payments (agreements; GOV.UK Pay's `recurring_enabled`). */
  recurring_enabled: number;
  created_at: string;
};

export type ApiKeyRow = {
  id: string;
  account_id: string;
  live: number;
  token_hash: string;
  token_hint: string;
  description: string;
  created_at: string;
  revoked_at: string | null;
};

/** An API key found by its hash, with what the API needs of its account. */
export type KeyHolder = {
  key_id: string;
  account_id: string;
  live: number;
  live_provider: string | null;
  rate_limit_post: number;
  rate_limit_other: number;
  allow_moto: number;
  allow_authorisation_api: number;
  recurring_enabled: number;
};

type AccountTables = {
  pay_account: AccountRow;
  pay_api_key: ApiKeyRow;
  pay_secret: { name: string; value: string };
};

/** The installation's keys in `pay_secret` (API key checksums, next_url tokens) are sealed at rest. */
const INSTALLATION_SECRET_PURPOSE = 'pay-installation-secret';

export function createAccountStore(dependencies: { secrets: SecretBoxes }) {
  const tables = (executor: Executor) => executor.withTables<AccountTables>();
  const installationSecrets = dependencies.secrets.forPurpose(INSTALLATION_SECRET_PURPOSE);
  const compiled = createCompiledQueryCache();
  const buildFindKeyHolder = (executor: Executor, tokenHash: string) =>
    tables(executor)
.selectFrom('pay_api_key')
        .innerJoin('pay_account', 'pay_account.id', 'pay_api_key.account_id')
        .select([
          'pay_api_key.id as key_id',
          'pay_api_key.account_id',
          'pay_api_key.live',
          'pay_account.live_provider',
          'pay_account.rate_limit_post',
          'pay_account.rate_limit_other',
          'pay_account.allow_moto',
          'pay_account.allow_authorisation_api',
          'pay_account.recurring_enabled',
        ])
        .where('pay_api_key.token_hash', '=', tokenHash)
        .where('pay_api_key.revoked_at', 'is', null);

  return {
    /** An installation secret, opened: the migration stored them in clear, `resealSecrets` seals them. */
    async readSecret(executor: Executor, name: string): Promise<string | undefined> {
      const row = await tables(executor)
        .selectFrom('pay_secret')
        .select('value')
        .where('name', '=', name)
        .executeTakeFirst();
      return row && installationSecrets.openOrAcceptClear(row.value);
    },

    /**
     * Seals every installation secret kept in clear or under a previous key; how many it sealed.
     * Each update replaces only the value read, so several processes may run it at once.
     */
    async resealSecrets(executor: Executor): Promise<number> {
      const rows = await tables(executor)
        .selectFrom('pay_secret')
        .select(['name', 'value'])
        .where(notSealedUnderCurrentKey('value', installationSecrets))
        .execute();
      let resealed = 0;
      for (const row of rows) {
        const result = await tables(executor)
          .updateTable('pay_secret')
          .set({ value: installationSecrets.seal(installationSecrets.openOrAcceptClear(row.value)) })
          .where('name', '=', row.name)
          .where('value', '=', row.value)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) > 0) resealed += 1;
      }
      return resealed;
    },

    async insertAccount(executor: Executor, row: AccountRow): Promise<void> {
      await tables(executor).insertInto('pay_account').values(row).execute();
    },

    async findAccount(executor: Executor, id: string): Promise<AccountRow | undefined> {
      return tables(executor).selectFrom('pay_account').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Sets whichever MOTO or recurring payment settings are given; false when there is no such account. */
    async updateSettings(
      executor: Executor,
      update: { id: string; allow_moto?: number; allow_authorisation_api?: number; recurring_enabled?: number },
    ): Promise<boolean> {
      const { id, ...settings } = update;
      const result = await tables(executor).updateTable('pay_account').set(settings).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async listAccounts(executor: Executor): Promise<AccountRow[]> {
      return tables(executor).selectFrom('pay_account').selectAll().orderBy('created_at').execute();
    },

    async insertKey(executor: Executor, row: ApiKeyRow): Promise<void> {
      await tables(executor).insertInto('pay_api_key').values(row).execute();
    },

    async findKeyHolder(executor: Executor, tokenHash: string): Promise<KeyHolder | undefined> {
      const rows = await compiled.run(executor, { key: 'findKeyHolder', parameters: [tokenHash], build: () => buildFindKeyHolder(executor, tokenHash) });
      return rows[0];
    },

    async findKey(executor: Executor, id: string): Promise<ApiKeyRow | undefined> {
      return tables(executor).selectFrom('pay_api_key').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async findKeyByHash(executor: Executor, tokenHash: string): Promise<ApiKeyRow | undefined> {
      return tables(executor).selectFrom('pay_api_key').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },

    async listKeys(executor: Executor, accountId: string): Promise<ApiKeyRow[]> {
      return tables(executor)
        .selectFrom('pay_api_key')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at')
        .execute();
    },

    /** Revokes a key that is not yet revoked; false when there was none. */
    async revokeKey(executor: Executor, revoke: { id: string; at: string }): Promise<boolean> {
      const result = await tables(executor)
        .updateTable('pay_api_key')
        .set({ revoked_at: revoke.at })
        .where('id', '=', revoke.id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type AccountStore = ReturnType<typeof createAccountStore>;
