import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { aggregateServiceEvents } from '../../src/platform/events/service-event.jobs.ts';
import { createServiceEventStore } from '../../src/platform/events/service-event.store.ts';
import { relyingPartySignsIn, startConsole } from '../../src/modules/console/pages/console-pages.test-kit.ts';
import { answerUpToBoats, FORM, readExampleForm, Visitor } from '../../src/modules/forms/runner/runner.test-kit.ts';
import { createFormVersions } from '../../src/modules/forms/versions/form-versions.ts';
import { createTestAccount } from '../../src/modules/identity/testing/identity-test-kit.ts';
import { createInsight } from '../../src/modules/insight/insight.ts';
import { CARD_FORM, createInjectBrowser, createPaymentByApi, openNextUrl } from '../../src/modules/pay/testing/pay-test-support.ts';

/**
 * Issue 18's proof that Insight measures what really happened: a console service with a form, a
 * One Login client and a Pay account, used as people use them over HTTP, and its KPIs worked out
 * by hand from what the test did. Run on SQLite and on PostgreSQL (npm test runs it on both), with
 * the same expected figures: the two databases' aggregates agree.
 */
test('a form filled in and one abandoned, a payment failed then one succeeded, and a sign-in appear in the service’s aggregates with the KPIs worked out by hand', async (t) => {
  const { app, kernel, baseUrl, organisations, onboarding } = await startConsole(t);
  const actor = { audit: 'operator:test', label: 'operator:test' };
  const { organisation } = await organisations.createOrganisation({ name: 'Department for Fishing', ownerEmail: 'owner@fishing.example.gov.uk', actor });
  const service = await organisations.createService({ organisationId: organisation.id, name: 'Apply for a fishing licence', actor });
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const redirectUri = 'https://fishing.example.gov.uk/callback';
  const { clientId } = await onboarding.registerClient({ service, client: { name: service.name, redirectUris: [redirectUri], publicKey: JSON.stringify(await exportJWK(publicKey)) }, actor });
  await onboarding.createPayAccount({ service, actor });
  const { key: payKey } = await onboarding.createPayKey({ service, description: 'Fishing licence server', actor });
  await createFormVersions({ db: kernel.db, audit: kernel.audit }).importForm({ serviceId: service.id, definition: readExampleForm(), actor: 'operator:test' });

  // One person signs in to the service through One Login.
  const citizen = await createTestAccount(kernel, 'angler@example.com');
  await relyingPartySignsIn({ baseUrl, clientId, privateKey, redirectUri, citizen });

  // One person fills the form in and submits it (twice on the button: one submission).
  const finisher = new Visitor(app);
  await answerUpToBoats(finisher);
  await finisher.answer(`${FORM}/pages/boat-name`, { answer: 'Morwennol' }, `${FORM}/pages/boat-name/add-another`);
  await finisher.post(`${FORM}/pages/boat-name/add-another`, { add_another: 'no' });
  await finisher.answer(`${FORM}/pages/experience`, { answer: 'Ten years' }, `${FORM}/pages/licence-photo`);
  await finisher.answer(`${FORM}/pages/licence-photo`, {}, `${FORM}/check-answers`);
  assert.equal((await finisher.post(`${FORM}/check-answers`)).headers.location, `${FORM}/confirmation`);
  await finisher.post(`${FORM}/check-answers`);
  // Another starts it, answers the first page and leaves.
  const leaver = new Visitor(app);
  await leaver.answer(`${FORM}/pages/licence-type`, { answer: 'rod' }, `${FORM}/pages/full-name`);

  // A payment is declined, then the person pays again and it succeeds.
  const declined = await createPaymentByApi(app, payKey);
  const declinedBrowser = createInjectBrowser(app);
  const declinedCard = await openNextUrl(declinedBrowser, declined._links.next_url.href);
  await declinedBrowser.post(declinedCard, { ...CARD_FORM, cardNo: '4000000000000002' });
  const paid = await createPaymentByApi(app, payKey);
  const payer = createInjectBrowser(app);
  const card = await openNextUrl(payer, paid._links.next_url.href);
  assert.equal((await payer.post(card, CARD_FORM)).headers.location, `${card}/confirm`);
  await payer.get(`${card}/confirm`);
  await payer.post(`${card}/confirm`, {});

  await kernel.serviceEvents.flush();
  await aggregateServiceEvents({ db: kernel.db, store: createServiceEventStore(), now: new Date() });
  const insight = createInsight({ db: kernel.db, audit: kernel.audit, serviceEvents: kernel.serviceEvents });
  const { current } = await insight.figures(service.id);

  // By hand: 2 forms started, 1 submitted (the second press is the same submission): 1 ÷ 2. The
  // form is the transaction, so the sign-in does not count towards completion as well.
  assert.equal(current.kpis.completionSource, 'forms');
  assert.deepEqual({ started: current.kpis.started, completed: current.kpis.completed }, { started: 2, completed: 1 });
  assert.deepEqual(current.kpis.completionRate, { numerator: 1, denominator: 2, value: 0.5 });
  assert.deepEqual(current.kpis.payments, { created: 2, succeeded: 1, failed: 1, abandoned: 0 });
  assert.equal(current.kpis.satisfaction, undefined, 'no answers yet: no data, never 0%');
  assert.equal(current.kpis.digitalTakeUp, undefined, 'no non-digital volumes entered');
  // Both people reached the first page; only the finisher went further.
  const finishersRoute = ['licence-type', 'full-name', 'organisation', 'email', 'phone', 'ni-number', 'home-address', 'abroad-address', 'date-of-birth', 'start-date', 'waters', 'rods', 'boat-name', 'experience', 'licence-photo'];
  assert.deepEqual(
    Object.fromEntries(current.funnel.map((step) => [step.step, step.reached])),
    Object.fromEntries(finishersRoute.map((page) => [page, page === 'licence-type' ? 2 : 1])),
    'the leaver was sent on to full-name but never opened it; the boat page counts once however many boats',
  );
  assert.equal(current.funnel[0]?.step, 'licence-type', 'most reached first');
  const today = current.days.find((day) => day.day === new Date().toISOString().slice(0, 10));
  assert.deepEqual(today && { started: today.started, completed: today.completed }, { started: 2, completed: 1 });

  // The sign-in, counted for the service's client: started and completed once.
  const signIns = await kernel.serviceEvents.readAggregates({ from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString(), granularity: 'day', service: `identity-client:${clientId}` });
  const signInCount = (type: string) => signIns.filter((row) => row.type === type).reduce((sum, row) => sum + row.count, 0);
  assert.deepEqual({ started: signInCount('identity.sign-in.started'), completed: signInCount('identity.sign-in.completed') }, { started: 1, completed: 1 });

  // The team enters last month's other channels and costs for this month: take-up and cost follow.
  await insight.enterTeamFigures({ serviceId: service.id, month: new Date().toISOString().slice(0, 7), nonDigitalTransactions: 3, costPence: 10_000, actor: 'operator:test' });
  const withTeamFigures = (await insight.figures(service.id)).current.kpis;
  assert.deepEqual(withTeamFigures.digitalTakeUp, { numerator: 1, denominator: 4, value: 0.25 }, '1 digital of 1 + 3');
  assert.deepEqual(withTeamFigures.costPerTransactionPence, { numerator: 10_000, denominator: 4, value: 2_500 }, '£100 over 4 transactions');
});
