import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createNotifyTables from './0001-create-notify-tables.ts';
import * as createPlatformService from './0002-create-platform-service.ts';
import * as indexUnfinishedNotifications from './0003-index-unfinished-notifications.ts';
import * as limitFileEmailConfirmations from './0004-limit-file-email-confirmations.ts';

export const notifyMigrations: MigrationList = {
  owner: 'notify',
  migrations: [
    { id: '0001-create-notify-tables', migration: createNotifyTables },
    { id: '0002-create-platform-service', migration: createPlatformService },
    { id: '0003-index-unfinished-notifications', migration: indexUnfinishedNotifications },
    { id: '0004-limit-file-email-confirmations', migration: limitFileEmailConfirmations },
  ],
};
