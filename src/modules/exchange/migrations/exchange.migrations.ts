import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createExchange from './0001-create-exchange.ts';

/** Frozen once landed: add new migrations at the end, never change one. */
export const exchangeMigrations: MigrationList = {
  owner: 'exchange',
  migrations: [{ id: '0001-create-exchange', migration: createExchange }],
};
