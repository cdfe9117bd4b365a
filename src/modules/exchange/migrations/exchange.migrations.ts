import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createExchange from './0001-create-exchange.ts';
import * as createAgreement from './0002-create-agreement.ts';

/** Frozen once landed: add new migrations at the end, never change one. */
export const exchangeMigrations: MigrationList = {
  owner: 'exchange',
  migrations: [
    { id: '0001-create-exchange', migration: createExchange },
    { id: '0002-create-agreement', migration: createAgreement },
  ],
};
