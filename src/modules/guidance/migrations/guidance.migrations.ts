import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createGuidanceTables from './0001-create-guidance-tables.ts';
import * as createAssistantOutcomes from './0002-create-assistant-outcomes.ts';

export const guidanceMigrations: MigrationList = {
  owner: 'guidance',
  migrations: [
    { id: '0001-create-guidance-tables', migration: createGuidanceTables },
    { id: '0002-create-assistant-outcomes', migration: createAssistantOutcomes },
  ],
};
