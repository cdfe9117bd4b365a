import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createInsight from './0001-create-insight.ts';

/** Insight's migrations, frozen once landed, in the order they run. */
export const insightMigrations: MigrationList = {
  owner: 'insight',
  migrations: [{ id: '0001-create-insight', migration: createInsight }],
};
