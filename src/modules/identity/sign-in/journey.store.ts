import type { Executor } from '../../../platform/db/database.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';

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
  return {
    async find(id: string, now: string): Promise<JourneyRow | undefined> {
      const row = await tables
        .selectFrom('identity_journey')
        .selectAll()
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && { ...row, state: box.openOrAcceptClear(row.state) };
    },
    async save(row: JourneyRow): Promise<void> {
      const state = box.seal(row.state);
      await tables
        .insertInto('identity_journey')
        .values({ ...row, state })
        .onConflict((conflict) => conflict.column('id').doUpdateSet({ state, expires_at: row.expires_at }))
        .execute();
    },
    async remove(id: string): Promise<void> {
      await tables.deleteFrom('identity_journey').where('id', '=', id).execute();
    },
    async deleteExpired(now: string): Promise<void> {
      await tables.deleteFrom('identity_journey').where('expires_at', '<=', now).execute();
    },
  };
}
