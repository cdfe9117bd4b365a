import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createFormVersions from './0001-create-form-versions.ts';

/** Forms' migrations, frozen once landed, in the order they run. */
export const formsMigrations: MigrationList = {
  owner: 'forms',
  migrations: [{ id: '0001-create-form-versions', migration: createFormVersions }],
};
