import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createGuidanceTables from './0001-create-guidance-tables.ts';
import * as createAssistantOutcomes from './0002-create-assistant-outcomes.ts';
import * as createAssistantRateLimit from './0003-create-assistant-rate-limit.ts';
import * as dropAssistantRate from './0004-drop-assistant-rate.ts';

export const guidanceMigrations: MigrationList = {
  owner: 'guidance',
  migrations: [
    { id: '0001-create-guidance-tables', migration: createGuidanceTables },
    { id: '0002-create-assistant-outcomes', migration: createAssistantOutcomes },
    { id: '0003-create-assistant-rate-limit', migration: createAssistantRateLimit },
    { id: '0004-drop-assistant-rate', migration: dropAssistantRate },
  ],
};
