import type { CompiledQuery } from 'kysely';
import type { Executor } from '../../../platform/db/database.ts';
import type { GroupCommit } from '../../../platform/db/group-commit.ts';
import { compileOnce } from '../../../platform/db/compile-once.ts';

/**
 * One stored oidc-provider model. The adapter (provider-adapter.ts) decides what is written:
 * `id`, `grant_id`, `uid` and `user_code` are SHA-256 hashes of oidc-provider's values and
 * `payload` is sealed, except for ReplayDetection, kept as given.
 */
export type OidcPayloadRow = {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  account_id: string | null;
  expires_at: string | null;
  consumed_at: string | null;
};

type Tables = { identity_oidc_payload: OidcPayloadRow };

/**
 * Storage for every oidc-provider model, in one table keyed by model name and id. With `writes`,
 * the writes of every token exchange (client assertion, code consumed, access token) that arrive
 * together share one commit; each still returns only once it is committed.
 */
export function createOidcPayloadStore(db: Executor, options: { writes?: GroupCommit } = {}) {
  const tables = db.withTables<Tables>();
  const write = (query: CompiledQuery) =>
    options.writes ? options.writes.run((transaction) => transaction.executeQuery(query)) : tables.executeQuery(query);
  const live = (now: string) =>
    tables
      .selectFrom('identity_oidc_payload')
      .selectAll()
      .where((where) => where.or([where('expires_at', 'is', null), where('expires_at', '>', now)]));

  const upsertQuery = compileOnce<OidcPayloadRow>((_db, value) => {
    const row = {
      model: value('model'),
      id: value('id'),
      payload: value('payload'),
      grant_id: value('grant_id'),
      user_code: value('user_code'),
      uid: value('uid'),
      account_id: value('account_id'),
      expires_at: value('expires_at'),
      consumed_at: value('consumed_at'),
    };
    const { model: _model, id: _id, ...changes } = row;
    return tables
      .insertInto('identity_oidc_payload')
      .values(row)
      .onConflict((conflict) => conflict.columns(['model', 'id']).doUpdateSet(changes));
  });
  const findQuery = compileOnce<{ model: string; id: string; now: string }>((_db, value) =>
    live(value('now')).where('model', '=', value('model')).where('id', '=', value('id')),
  );
  const consumeQuery = compileOnce<{ model: string; id: string; now: string }>((_db, value) =>
    tables
      .updateTable('identity_oidc_payload')
      .set({ consumed_at: value('now') })
      .where('model', '=', value('model'))
      .where('id', '=', value('id')),
  );

  return {
    async upsert(row: OidcPayloadRow): Promise<void> {
      await write(upsertQuery(db, row));
    },

    /**
     * Records `id` until `expiresAt` unless a live record of it exists, in one statement (so two
     * instances given the same id at once cannot both succeed); true if it was recorded. A record
     * that has expired but not yet been deleted is taken over.
     */
    async recordOnce(record: { model: string; id: string; expiresAt: Date; now: Date }): Promise<boolean> {
      const now = record.now.toISOString();
      const expiresAt = record.expiresAt.toISOString();
      const result = await tables
        .insertInto('identity_oidc_payload')
        .values({ model: record.model, id: record.id, payload: '{}', grant_id: null, user_code: null, uid: null, account_id: null, expires_at: expiresAt, consumed_at: null })
        .onConflict((conflict) =>
          conflict
            .columns(['model', 'id'])
            .doUpdateSet({ expires_at: expiresAt })
            .where('identity_oidc_payload.expires_at', '<=', now),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async find(model: string, id: string, now: string): Promise<OidcPayloadRow | undefined> {
      const { rows } = await tables.executeQuery<OidcPayloadRow>(findQuery(db, { model, id, now }));
      return rows[0];
    },

    async findBy(
      model: string,
      column: 'uid' | 'user_code',
      value: string,
      now: string,
    ): Promise<OidcPayloadRow | undefined> {
      return live(now).where('model', '=', model).where(column, '=', value).executeTakeFirst();
    },

    async consume(model: string, id: string, now: string): Promise<void> {
      await write(consumeQuery(db, { model, id, now }));
    },

    async destroy(model: string, id: string): Promise<void> {
      await tables.deleteFrom('identity_oidc_payload').where('model', '=', model).where('id', '=', id).execute();
    },

    async destroyByGrant(grantId: string): Promise<void> {
      await tables.deleteFrom('identity_oidc_payload').where('grant_id', '=', grantId).execute();
    },

    async destroyByAccount(accountId: string): Promise<void> {
      await tables.deleteFrom('identity_oidc_payload').where('account_id', '=', accountId).execute();
    },

    async deleteExpired(now: string): Promise<number> {
      const result = await tables
        .deleteFrom('identity_oidc_payload')
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type OidcPayloadStore = ReturnType<typeof createOidcPayloadStore>;
