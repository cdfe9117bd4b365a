import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createPayTables from './0001-create-pay-tables.ts';
import * as allowMoto from './0002-allow-moto.ts';
import * as createPayDisputes from './0003-create-pay-disputes.ts';
import * as markDisputedPayments from './0004-mark-disputed-payments.ts';
import * as recurringPayments from './0005-recurring-payments.ts';

/** Pay's migrations, in order. Frozen once landed: change the schema with a new one. */
export const payMigrations: MigrationList = {
  owner: 'pay',
  migrations: [
    { id: '0001-create-pay-tables', migration: createPayTables },
    { id: '0002-allow-moto', migration: allowMoto },
    { id: '0003-create-pay-disputes', migration: createPayDisputes },
    { id: '0004-mark-disputed-payments', migration: markDisputedPayments },
    { id: '0005-recurring-payments', migration: recurringPayments },
  ],
};
