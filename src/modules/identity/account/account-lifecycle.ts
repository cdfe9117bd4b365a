import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../../platform/db/database.ts';
import type { JobQueue } from '../../../platform/jobs/job-queue.ts';
import { createAccountStore } from '../accounts/account.store.ts';
import { createAccountTraceStore } from '../accounts/account-trace.store.ts';
import { createOidcPayloadStore } from '../provider/oidc-payload.store.ts';
import type { ProviderRuntime } from '../provider/provider-runtime.ts';
import { createWebSessionStore } from './web-session.store.ts';

export const BACKCHANNEL_LOGOUT_JOB = 'identity.backchannel-logout';
export type BackchannelLogoutPayload = { clientId: string; subject: string };

/**
 * Ending every session of an account, or the account itself. Each service the person used is
 * told by a back-channel logout token, sent by a durable job so a service that is down is told
 * when it is back.
 */
export function createAccountLifecycle(dependencies: {
  db: Database;
  runtime: ProviderRuntime;
  jobs: JobQueue;
  audit: AuditService;
}) {
  const { db, runtime, jobs, audit } = dependencies;

  async function endSessionsAndTellServices(transaction: Executor, accountId: string, subjects: Array<{ clientId: string; subject: string }>) {
    await createWebSessionStore(transaction).removeAllFor(accountId);
    await createOidcPayloadStore(transaction).destroyByAccount(accountId);
    for (const { clientId, subject } of subjects) {
      await jobs.enqueue(transaction, { type: BACKCHANNEL_LOGOUT_JOB, payload: { clientId, subject }, maxAttempts: 8 });
    }
  }

  async function servicesUsedBy(accountId: string) {
    const used = await createAccountStore(db).listServiceUse(accountId);
    return runtime.subjectsFor(accountId, used.map((use) => use.client_id));
  }

  return {
    async signOutEverywhere(accountId: string, requestId: string): Promise<void> {
      const subjects = await servicesUsedBy(accountId);
      await db.transaction().execute(async (transaction) => {
        await endSessionsAndTellServices(transaction, accountId, subjects);
        await audit.record(
          { actor: `account:${accountId}`, action: 'identity.sessions.ended', subject: `account:${accountId}`, outcome: 'success', requestId, details: { services: subjects.length } },
          transaction,
        );
      });
    },

    /**
     * Deletes the account with everything that names it: its sessions, and the codes and
     * counters kept under its id, email address or phone numbers.
     */
    async deleteAccount(accountId: string, requestId: string): Promise<void> {
      const subjects = await servicesUsedBy(accountId);
      await db.transaction().execute(async (transaction) => {
        const accountStore = createAccountStore(transaction);
        const email = (await accountStore.findById(accountId))?.email;
        const phoneNumbers = await accountStore.listPhoneNumbers(accountId);
        const names = [accountId, ...(email ? [email] : []), ...phoneNumbers];
        await endSessionsAndTellServices(transaction, accountId, subjects);
        await createAccountTraceStore(transaction).removeNaming(names);
        await accountStore.remove(accountId);
        await audit.record(
          { actor: `account:${accountId}`, action: 'identity.account.deleted', subject: `account:${accountId}`, outcome: 'success', requestId, details: { services: subjects.length } },
          transaction,
        );
      });
    },
  };
}

export type AccountLifecycle = ReturnType<typeof createAccountLifecycle>;
