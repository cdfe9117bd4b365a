import type { Executor } from '../../../platform/db/database.ts';
import type { SatisfactionCounts } from './service-kpis.ts';

export type PublicationRow = { service_id: string; slug: string; published_at: string; published_by: string };
export type TeamFiguresRow = {
  service_id: string;
  month: string;
  non_digital_transactions: number | null;
  cost_pence: number | string | null;
  updated_at: string;
  updated_by: string;
};
export type PublishedAddressRow = { slug: string; service_id: string; first_used_at: string };
export type FeedbackRow = { id: string; service_id: string; rating: number; comment: string | null; created_at: string };

type Tables = { insight_publication: PublicationRow; insight_team_figures: TeamFiguresRow; insight_feedback: FeedbackRow; insight_published_address: PublishedAddressRow };

export function createInsightStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    findPublicationBySlug: (slug: string) => tables.selectFrom('insight_publication').selectAll().where('slug', '=', slug).executeTakeFirst(),
    findPublicationOfService: (serviceId: string) => tables.selectFrom('insight_publication').selectAll().where('service_id', '=', serviceId).executeTakeFirst(),
    listPublications: () => tables.selectFrom('insight_publication').selectAll().orderBy('slug').execute(),

    /** Publishes the service at `slug`, or moves it there; a slug another service has is a unique violation. */
    async upsertPublication(row: PublicationRow): Promise<void> {
      await tables
        .insertInto('insight_publication')
        .values(row)
        .onConflict((conflict) => conflict.column('service_id').doUpdateSet({ slug: row.slug, published_at: row.published_at, published_by: row.published_by }))
        .execute();
    },

    /** The service an address was first published for, if it ever was. */
    findAddressOwner: async (slug: string) => (await tables.selectFrom('insight_published_address').select('service_id').where('slug', '=', slug).executeTakeFirst())?.service_id,

    /** Keeps the address for the service; a unique violation when another service has it. */
    async keepAddress(row: PublishedAddressRow): Promise<void> {
      await tables.insertInto('insight_published_address').values(row).onConflict((conflict) => conflict.column('slug').doNothing()).execute();
    },

    async deletePublication(serviceId: string): Promise<boolean> {
      const result = await tables.deleteFrom('insight_publication').where('service_id', '=', serviceId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async upsertTeamFigures(row: TeamFiguresRow): Promise<void> {
      await tables
        .insertInto('insight_team_figures')
        .values(row)
        .onConflict((conflict) =>
          conflict.columns(['service_id', 'month']).doUpdateSet({ non_digital_transactions: row.non_digital_transactions, cost_pence: row.cost_pence, updated_at: row.updated_at, updated_by: row.updated_by }),
        )
        .execute();
    },

    async findTeamFigures(serviceId: string, month: string): Promise<{ nonDigitalTransactions?: number; costPence?: number } | undefined> {
      const row = await tables.selectFrom('insight_team_figures').selectAll().where('service_id', '=', serviceId).where('month', '=', month).executeTakeFirst();
      if (!row) return undefined;
      return {
        ...(row.non_digital_transactions === null ? {} : { nonDigitalTransactions: Number(row.non_digital_transactions) }),
        ...(row.cost_pence === null ? {} : { costPence: Number(row.cost_pence) }),
      };
    },

    async insertFeedback(row: FeedbackRow): Promise<void> {
      await tables.insertInto('insight_feedback').values(row).execute();
    },

    /** The answers with a comment given in [from, to), newest first: for the service's team only. */
    listComments: (serviceId: string, range: { from: string; to: string }, limit: number) =>
      tables
        .selectFrom('insight_feedback')
        .select(['rating', 'comment', 'created_at'])
        .where('service_id', '=', serviceId)
        .where('created_at', '>=', range.from)
        .where('created_at', '<', range.to)
        .where('comment', 'is not', null)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute(),

    /** The ratings given in [from, to), counted by rating: no free text leaves this query. */
    async countRatings(serviceId: string, range: { from: string; to: string }): Promise<SatisfactionCounts | undefined> {
      const rows = await tables
        .selectFrom('insight_feedback')
        .select(['rating', (eb) => eb.fn.countAll<string | number>().as('count')])
        .where('service_id', '=', serviceId)
        .where('created_at', '>=', range.from)
        .where('created_at', '<', range.to)
        .groupBy('rating')
        .execute();
      if (rows.length === 0) return undefined;
      const counts = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
      for (const row of rows) if (row.rating >= 1 && row.rating <= 5) counts[row.rating as 1 | 2 | 3 | 4 | 5] = Number(row.count);
      return counts;
    },
  };
}

export type InsightStore = ReturnType<typeof createInsightStore>;
