import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outboundPolicyOf } from '../../../platform/net/outbound-request.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { ConsentRequestError } from '../consent/consent-requests.ts';
import { createConsentStore } from '../consent/consent.store.ts';
import { personalDataSharingOf } from '../testing/consent-fixtures.ts';
import { findFreePort } from '../testing/signed-calls.ts';
import { callAsDemoCouncil, findAgreementInForce, readConsentAnswer, setUpDemoConsent } from './demo-consent.ts';

async function startWithDemo(t: Parameters<typeof createTestApp>[0]) {
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = await createTestApp(t, { environment: { BASE_URL: baseUrl, PORT: String(port), DEMO_EXCHANGE: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' } });
  await started.app.listen({ port, host: '127.0.0.1' });
  const { kernel } = started;
  const dependencies = { db: kernel.db, audit: kernel.audit, secrets: kernel.secrets, instance: kernel.config.EXCHANGE_INSTANCE, baseUrl, outbound: outboundPolicyOf(kernel.config) };
  return { ...started, baseUrl, dependencies };
}

const ALEX = '/awards/QQ123456A?dateOfBirth=1968-04-12&name=Alex%20Example';

test('the example council asks consent, reads the signed answer, and calls the PIP award service under consent as the person', async (t) => {
  const { kernel, baseUrl, dependencies } = await startWithDemo(t);
  const returnUrl = `${baseUrl}/forms/apply-for-a-blue-badge/pages/pip-check/consent-answer`;
  const [first, again] = [await setUpDemoConsent(dependencies, { returnUrls: [returnUrl] }), await setUpDemoConsent(dependencies, { returnUrls: [returnUrl] })];
  assert.deepEqual(first, again, 'set up once, found again');
  assert.equal(first.service, 'GB-DEV/GOV/DEMO-BENEFITS/pip/pip-award-with-consent');
  assert.equal(await findAgreementInForce(kernel.db, { client: first.client, service: first.service, now: new Date() }), first.agreementId);
  assert.equal(await findAgreementInForce(kernel.db, { client: 'not an identifier', service: first.service, now: new Date() }), undefined);

  const call = { db: kernel.db, secrets: kernel.secrets, baseUrl, instance: 'GB-DEV' };
  const refused = await callAsDemoCouncil(call, { client: first.client, service: first.service, path: ALEX, subject: 'person-1' });
  assert.equal(refused.status, 500);
  assert.equal(refused.errorType, 'Server.ServerProxy.AccessDenied', 'no consent in force yet');

  const { consentRequests } = personalDataSharingOf(kernel);
  const id = await consentRequests.start({ client: first.client, agreementId: first.agreementId, record: 'QQ123456A', state: 'journey-state-1', returnUrl });
  const subjectOf = async () => 'person-1';
  await consentRequests.open(id, subjectOf);
  const answered = new URL(await consentRequests.answer({ id, subjectOf, agree: true, actor: 'account:test' }));
  const token = answered.searchParams.get('consent_token') as string;
  const issuer = { db: kernel.db, secrets: kernel.secrets, issuer: baseUrl };
  const answer = await readConsentAnswer(issuer, { token, client: first.client, state: 'journey-state-1' });
  assert.equal(answer.result, 'agreed');
  assert.equal(answer.subject, 'person-1');
  assert.equal(answer.requestId, id);

  const isRefusal = (error: unknown) => error instanceof ConsentRequestError && error.code === 'invalid-request';
  await assert.rejects(readConsentAnswer(issuer, { token, client: first.client, state: 'another-journey' }), isRefusal, 'another journey state');
  await assert.rejects(readConsentAnswer(issuer, { token, client: 'GB-DEV/GOV/OTHER/x', state: 'journey-state-1' }), isRefusal, 'another consumer');
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'person-2' })).toString('base64url');
  await assert.rejects(readConsentAnswer(issuer, { token: `${header}.${forged}.${signature}`, client: first.client, state: 'journey-state-1' }), isRefusal, 'tampered');

  const allowed = await callAsDemoCouncil(call, { client: first.client, service: first.service, path: ALEX, subject: 'person-1', issue: 'BB-1' });
  assert.equal(allowed.status, 200);
  assert.deepEqual(allowed.body, { status: 'awarded', rate: { daily_living: 'standard', mobility: 'enhanced' } });
  const ask = (path: string) => callAsDemoCouncil(call, { client: first.client, service: first.service, path, subject: 'person-1' });
  // The consent is for the record the person was asked about: the consumer cannot turn it to another's, whatever it knows of them.
  for (const path of ['/awards/QQ999999D?dateOfBirth=1968-04-12&name=Alex%20Example', '/awards/QQ123456C?dateOfBirth=1955-01-03&name=Jo%20Placeholder', '/awards/qq123456a?dateOfBirth=1968-04-12&name=Alex%20Example', '/awards/QQ123456%41?dateOfBirth=1968-04-12&name=Alex%20Example']) {
    assert.equal((await ask(path)).errorType, 'Server.ServerProxy.AccessDenied', path);
  }
  // The award is of a person, not of a reference: Alex's reference with another date of birth or name finds nothing, and says nothing of which was wrong.
  const wrongBirth = await ask('/awards/QQ123456A?dateOfBirth=1968-04-13&name=Alex%20Example');
  const wrongName = await ask('/awards/QQ123456A?dateOfBirth=1968-04-12&name=Sam%20Sample');
  assert.deepEqual([wrongBirth.status, wrongName.status], [404, 404]);
  assert.deepEqual(wrongBirth.body, wrongName.body);
  assert.equal((await ask('/awards/QQ123456A?dateOfBirth=1955-01-03&name=Jo%20Placeholder')).status, 404, "another person's date of birth and name");
  assert.equal((await ask('/awards/QQ123456A')).status, 400, 'a reference alone is not asked about');
  assert.equal((await ask('/awards/QQ123456A?dateOfBirth=12%2F04%2F1968&name=Alex%20Example')).status, 400);
  assert.equal((await ask('/awards/QQ123456A?dateOfBirth=1968-04-12&name=%20%20')).status, 400);
  assert.equal((await ask('/awards/QQ123456A?dateOfBirth=1968-04-12&name=%20%C3%A1LEX%20%20%20example%20')).status, 200, 'the name without case, accents or extra spaces');
  const other = await callAsDemoCouncil(call, { client: first.client, service: first.service, path: ALEX, subject: 'person-2' });
  assert.equal(other.errorType, 'Server.ServerProxy.AccessDenied', "someone else's subject has no consent");
  await createConsentStore(kernel.db).withdraw(answer.consentId as string, new Date().toISOString());
  assert.equal((await callAsDemoCouncil(call, { client: first.client, service: first.service, path: ALEX, subject: 'person-1' })).errorType, 'Server.ServerProxy.AccessDenied', 'withdrawn');
});
