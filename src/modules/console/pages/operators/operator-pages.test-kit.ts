import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Kernel } from '../../../../platform/kernel.ts';
import type { FormClient, FormPage, TestAccount } from '../../../identity/testing/identity-testing.contract.ts';
import { CLI_ACTOR } from '../../organisations/organisations.ts';
import { openSigningIn, startConsole } from '../console-pages.test-kit.ts';

/** Civitas with one operator (a One Login with an authenticator app) signed in to the console. */
export async function startWithOperator(t: TestContext, email = 'olwen@example.gov.uk') {
  const civitas = await startConsole(t);
  const operator = await civitas.account(email);
  await civitas.organisations.addOperator({ email: operator.email, actor: CLI_ACTOR });
  const browser = civitas.browser();
  const start = await openSigningIn(browser, operator, '/console/operator');
  assert.equal(start.status, 200, start.html);
  return { civitas, operator, browser, start };
}

/** Leaves the account with text messages as its only security method (as if the person removed their app). */
export async function leaveOnlyTextMessages(kernel: Kernel, account: TestAccount): Promise<void> {
  type MethodTable = { identity_security_method: { account_id: string; kind: string; phone_number: string | null; totp_secret: string | null } };
  await kernel.db
    .withTables<MethodTable>()
    .updateTable('identity_security_method')
    .set({ kind: 'sms', phone_number: '+447700900123', totp_secret: null })
    .where('account_id', '=', account.id)
    .execute();
}

/** A failed job (no tries left) of `type`, whose last error is `error`. */
export async function makeFailedJob(kernel: Kernel, type: string, error: string): Promise<string> {
  const id = await kernel.jobs.enqueue(kernel.db, { type, payload: {}, maxAttempts: 1 });
  const [job] = await kernel.jobs.claim({ types: [type], workerId: 'test', limit: 1, leaseMs: 30_000 });
  assert.ok(job);
  assert.equal(await kernel.jobs.fail({ job, error, retryInMs: 1000 }), 'failed');
  return id;
}

/** Posts the page's form (with its CSRF token) to `url` and answers the first response's status and location. */
export async function postFrom(browser: FormClient, page: FormPage, url: string, fields: Record<string, string> = {}) {
  const response = await browser.post({ ...page, url: new URL(url, page.url).toString() }, fields);
  await response.body?.cancel();
  return { status: response.status, location: response.headers.get('location') ?? '' };
}
