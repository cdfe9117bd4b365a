import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createGuidanceTables from './0001-create-guidance-tables.ts';

export const guidanceMigrations: MigrationList = {
  owner: 'guidance',
  migrations: [{ id: '0001-create-guidance-tables', migration: createGuidanceTables }],
};
