import type { Executor } from '../../../platform/db/database.ts';

export type ProblemReportRow = {
  id: string;
  /** The path of the page the person came from, when the link said. */
  page: string | null;
  what_doing: string;
  what_went_wrong: string;
  email: string | null;
  language: string;
  created_at: string;
};

export type ProblemReportCounterRow = { address_key: string; reports: number; window_started_at: string };

type Tables = { site_problem_report: ProblemReportRow; site_problem_report_counter: ProblemReportCounterRow };

export function createProblemReportStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insert(row: ProblemReportRow): Promise<void> {
      await tables.insertInto('site_problem_report').values(row).execute();
    },

    /** The newest first. */
    async listRecent(limit: number): Promise<ProblemReportRow[]> {
      return tables.selectFrom('site_problem_report').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },

    async removeCreatedBefore(cutoff: string): Promise<number> {
      const result = await tables.deleteFrom('site_problem_report').where('created_at', '<', cutoff).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /**
     * Makes sure the address's counter exists and, inside a transaction, holds it until the
     * transaction ends (PostgreSQL locks the row an upsert touches; SQLite writes one transaction
     * at a time), then reads it: reports sent at once are counted one after the other.
     */
    async claimCounter(addressKey: string, now: string): Promise<ProblemReportCounterRow> {
      await tables
        .insertInto('site_problem_report_counter')
        .values({ address_key: addressKey, reports: 0, window_started_at: now })
        .onConflict((conflict) => conflict.column('address_key').doUpdateSet((update) => ({ reports: update.ref('site_problem_report_counter.reports') })))
        .execute();
      return tables.selectFrom('site_problem_report_counter').selectAll().where('address_key', '=', addressKey).executeTakeFirstOrThrow();
    },

    async saveCounter(row: ProblemReportCounterRow): Promise<void> {
      await tables
        .updateTable('site_problem_report_counter')
        .set({ reports: row.reports, window_started_at: row.window_started_at })
        .where('address_key', '=', row.address_key)
        .execute();
    },

    async removeCountersStartedBefore(cutoff: string): Promise<number> {
      const result = await tables.deleteFrom('site_problem_report_counter').where('window_started_at', '<', cutoff).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type ProblemReportStore = ReturnType<typeof createProblemReportStore>;
