import type { Executor } from '../../../../platform/db/database.ts';
import type { SecretBoxes } from '../../../../platform/secrets/secret-box.ts';
import { compileOnce } from '../../../../platform/db/compile-once.ts';

/** `state` is given and returned as JSON text; it is sealed in the database (see createJourneyStore). */
export type JourneyRow = { id: string; state: string; created_at: string; expires_at: string };

type Tables = { identity_journey: JourneyRow };

/**
 * A journey's state holds what a person gave before the account exists, such as the
 * authenticator-app secret shown and the password hash, so it is sealed at rest. A state stored
 * in clear before sealing still reads; journeys last an hour, so none needs sealing again.
 */
const JOURNEY_STATE_PURPOSE = 'identity-journey-state';

export function createJourneyStore(db: Executor, secrets: SecretBoxes) {
  const tables = db.withTables<Tables>();
  const box = secrets.forPurpose(JOURNEY_STATE_PURPOSE);
  // Every step of every sign-in page reads and writes its journey: compiled once.
  const findQuery = compileOnce<{ id: string; now: string }>((_db, value) =>
    tables.selectFrom('identity_journey').selectAll().where('id', '=', value('id')).where('expires_at', '>', value('now')),
  );
  const saveQuery = compileOnce<JourneyRow>((_db, value) =>
    tables
      .insertInto('identity_journey')
      .values({ id: value('id'), state: value('state'), created_at: value('created_at'), expires_at: value('expires_at') })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((update) => ({ state: update.ref('excluded.state'), expires_at: update.ref('excluded.expires_at') })),
      ),
  );
  return {
    /** The journey, its state opened; `sealedState` is the state as stored, for replaceIf. */
    async find(id: string, now: string): Promise<(JourneyRow & { sealedState: string }) | undefined> {
      const [row] = (await tables.executeQuery<JourneyRow>(findQuery(db, { id, now }))).rows;
      return row && { ...row, state: box.openOrAcceptClear(row.state), sealedState: row.state };
    },
    async save(row: JourneyRow): Promise<void> {
      await tables.executeQuery(saveQuery(db, { ...row, state: box.seal(row.state) }));
    },
    /**
     * Saves `row` only if the journey is still as it was read (its sealed state unchanged), so
     * of two requests that read the same state, one alone moves it on. True if saved.
     */
    async replaceIf(row: JourneyRow, readAs: { sealedState: string }): Promise<boolean> {
      const result = await tables
        .updateTable('identity_journey')
        .set({ state: box.seal(row.state), expires_at: row.expires_at })
        .where('id', '=', row.id)
        .where('state', '=', readAs.sealedState)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async remove(id: string): Promise<void> {
      await tables.deleteFrom('identity_journey').where('id', '=', id).execute();
    },
  };
}

/** Removes journeys past their hour: their state names a person (an email address, a phone). */
export async function removeExpiredJourneys(db: Executor, now: string): Promise<number> {
  const result = await db.withTables<Tables>().deleteFrom('identity_journey').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
