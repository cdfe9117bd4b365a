import type { Executor } from '../../../platform/db/database.ts';

export type RoadmapVersionRow = { version: number; content: string; imported_at: string; imported_by: string };
type Tables = { insight_roadmap_version: RoadmapVersionRow };

export function createRoadmapStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    findLatest: () => tables.selectFrom('insight_roadmap_version').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst(),
    /** Adds the next version; two imports at once cannot both take one number (the primary key refuses the second). */
    async insertNext(row: Omit<RoadmapVersionRow, 'version'>): Promise<number> {
      const latest = await tables.selectFrom('insight_roadmap_version').select((eb) => eb.fn.max('version').as('latest')).executeTakeFirst();
      const version = Number(latest?.latest ?? 0) + 1;
      await tables.insertInto('insight_roadmap_version').values({ ...row, version }).execute();
      return version;
    },
  };
}
