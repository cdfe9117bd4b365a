import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createInsight from './0001-create-insight.ts';
import * as createRoadmap from './0002-create-roadmap.ts';
import * as createAlerts from './0003-create-alerts.ts';
import * as keepPublishedAddresses from './0004-keep-published-addresses.ts';

/** Insight's migrations, frozen once landed, in the order they run. */
export const insightMigrations: MigrationList = {
  owner: 'insight',
  migrations: [
    { id: '0001-create-insight', migration: createInsight },
    { id: '0002-create-roadmap', migration: createRoadmap },
    { id: '0003-create-alerts', migration: createAlerts },
    { id: '0004-keep-published-addresses', migration: keepPublishedAddresses },
  ],
};
