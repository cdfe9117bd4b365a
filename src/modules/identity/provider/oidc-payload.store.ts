import type { Executor } from '../../../platform/db/database.ts';

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

/** Storage for every oidc-provider model, in one table keyed by model name and id. */
export function createOidcPayloadStore(db: Executor) {
  const tables = db.withTables<Tables>();
  const live = (now: string) =>
    tables
      .selectFrom('identity_oidc_payload')
      .selectAll()
      .where((where) => where.or([where('expires_at', 'is', null), where('expires_at', '>', now)]));

  return {
    async upsert(row: OidcPayloadRow): Promise<void> {
      await tables
        .insertInto('identity_oidc_payload')
        .values(row)
        .onConflict((conflict) =>
          conflict.columns(['model', 'id']).doUpdateSet({
            payload: row.payload,
            grant_id: row.grant_id,
            user_code: row.user_code,
            uid: row.uid,
            account_id: row.account_id,
            expires_at: row.expires_at,
            consumed_at: row.consumed_at,
          }),
        )
        .execute();
    },

    async find(model: string, id: string, now: string): Promise<OidcPayloadRow | undefined> {
      return live(now).where('model', '=', model).where('id', '=', id).executeTakeFirst();
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
      await tables
        .updateTable('identity_oidc_payload')
        .set({ consumed_at: now })
        .where('model', '=', model)
        .where('id', '=', id)
        .execute();
    },

    async destroy(model: string, id: string): Promise<void> {
      await tables.deleteFrom('identity_oidc_payload').where('model', '=', model).where('id', '=', id).execute();
    },

    async destroyByGrant(grantId: string): Promise<void> {
      await tables.deleteFrom('identity_oidc_payload').where('grant_id', '=', grantId).execute();
    },

    async listByAccount(model: string, accountId: string, now: string): Promise<OidcPayloadRow[]> {
      return live(now).where('model', '=', model).where('account_id', '=', accountId).execute();
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
