import type { Executor } from '../../../platform/db/database.ts';

export type KnownDeviceRow = { account_id: string; device_hash: string; first_seen_at: string; last_seen_at: string };
type AccountSetting = { id: string; new_device_notice: number };
type Tables = { identity_known_device: KnownDeviceRow; identity_account: AccountSetting };

/** The browsers each account has signed in from (hashes only), and whether it wants to hear of a new one. */
export function createKnownDeviceStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    /** Records a sign-in from the device; true when the account had not signed in from it before. */
    async recordSignIn(input: { accountId: string; deviceHash: string; now: string }): Promise<boolean> {
      const inserted = await tables
        .insertInto('identity_known_device')
        .values({ account_id: input.accountId, device_hash: input.deviceHash, first_seen_at: input.now, last_seen_at: input.now })
        .onConflict((conflict) => conflict.columns(['account_id', 'device_hash']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return true;
      await tables
        .updateTable('identity_known_device')
        .set({ last_seen_at: input.now })
        .where('account_id', '=', input.accountId)
        .where('device_hash', '=', input.deviceHash)
        .execute();
      return false;
    },
    /** Keeps the `keep` devices seen most recently, and none unseen since `before`. */
    async prune(input: { accountId: string; keep: number; before: string }): Promise<void> {
      const kept = await tables
        .selectFrom('identity_known_device')
        .select('device_hash')
        .where('account_id', '=', input.accountId)
        .where('last_seen_at', '>=', input.before)
        .orderBy('last_seen_at', 'desc')
        .orderBy('device_hash')
        .limit(input.keep)
        .execute();
      let removal = tables.deleteFrom('identity_known_device').where('account_id', '=', input.accountId);
      if (kept.length > 0) removal = removal.where('device_hash', 'not in', kept.map((row) => row.device_hash));
      await removal.execute();
    },
    async countFor(accountId: string): Promise<number> {
      const row = await tables.selectFrom('identity_known_device').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId).executeTakeFirst();
      return Number(row?.count ?? 0);
    },
    async wantsNewDeviceNotice(accountId: string): Promise<boolean> {
      const row = await tables.selectFrom('identity_account').select('new_device_notice').where('id', '=', accountId).executeTakeFirst();
      return Number(row?.new_device_notice ?? 0) === 1;
    },
    async setNewDeviceNotice(accountId: string, on: boolean): Promise<void> {
      await tables.updateTable('identity_account').set({ new_device_notice: on ? 1 : 0 }).where('id', '=', accountId).execute();
    },
  };
}
