import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createCatalogueRecords from './0001-create-catalogue-records.ts';
import * as createDrafts from './0002-create-drafts.ts';
import * as createAccessRequests from './0003-create-access-requests.ts';

/** The marketplace's migrations, frozen once landed, in the order they run. */
export const marketplaceMigrations: MigrationList = {
  owner: 'marketplace',
  migrations: [
    { id: '0001-create-catalogue-records', migration: createCatalogueRecords },
    { id: '0002-create-drafts', migration: createDrafts },
    { id: '0003-create-access-requests', migration: createAccessRequests },
  ],
};
