import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createFormVersions from './0001-create-form-versions.ts';
import * as createSessionsAndSubmissions from './0002-create-sessions-and-submissions.ts';
import * as addSessionPendingAnswer from './0003-add-session-pending-answer.ts';
import * as createFiles from './0004-create-files.ts';
import * as addSubmissionRetention from './0005-add-submission-retention.ts';
import * as createWebhookSecrets from './0006-create-webhook-secrets.ts';
import * as addSessionAccount from './0007-add-session-account.ts';
import * as createPayments from './0008-create-payments.ts';
import * as createBuilderDrafts from './0009-create-builder-drafts.ts';
import * as addSubmissionStatusAndSearch from './0010-add-submission-status-and-search.ts';

/** Forms' migrations, frozen once landed, in the order they run. */
export const formsMigrations: MigrationList = {
  owner: 'forms',
  migrations: [
    { id: '0001-create-form-versions', migration: createFormVersions },
    { id: '0002-create-sessions-and-submissions', migration: createSessionsAndSubmissions },
    { id: '0003-add-session-pending-answer', migration: addSessionPendingAnswer },
    { id: '0004-create-files', migration: createFiles },
    { id: '0005-add-submission-retention', migration: addSubmissionRetention },
    { id: '0006-create-webhook-secrets', migration: createWebhookSecrets },
    { id: '0007-add-session-account', migration: addSessionAccount },
    { id: '0008-create-payments', migration: createPayments },
    { id: '0009-create-builder-drafts', migration: createBuilderDrafts },
    { id: '0010-add-submission-status-and-search', migration: addSubmissionStatusAndSearch },
  ],
};
