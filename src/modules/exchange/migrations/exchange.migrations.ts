import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createExchange from './0001-create-exchange.ts';
import * as createAgreement from './0002-create-agreement.ts';
import * as createConsent from './0003-create-consent.ts';
import * as signLogInBatches from './0004-sign-log-in-batches.ts';
import * as keepPayloads from './0005-keep-payloads.ts';
import * as logClientProved from './0006-log-client-proved.ts';
import * as suspendAgreements from './0007-suspend-agreements.ts';
import * as replayClaimsBySecond from './0008-replay-claims-by-second.ts';
import * as consentForARecord from './0009-consent-for-a-record.ts';

/** Frozen once landed: add new migrations at the end, never change one. */
export const exchangeMigrations: MigrationList = {
  owner: 'exchange',
  migrations: [
    { id: '0001-create-exchange', migration: createExchange },
    { id: '0002-create-agreement', migration: createAgreement },
    { id: '0003-create-consent', migration: createConsent },
    { id: '0004-sign-log-in-batches', migration: signLogInBatches },
    { id: '0005-keep-payloads', migration: keepPayloads },
    { id: '0006-log-client-proved', migration: logClientProved },
    { id: '0007-suspend-agreements', migration: suspendAgreements },
    { id: '0008-replay-claims-by-second', migration: replayClaimsBySecond },
    { id: '0009-consent-for-a-record', migration: consentForARecord },
  ],
};
