import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createConsoleTeam } from '../../console/teams/console-teams-testing.contract.ts';
import { createHostedPayments, createServicePay } from '../../pay/pay.contract.ts';
import { createSubmissionStore } from '../submissions/submission.store.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { bilingualForm, both, Visitor } from '../runner/runner.test-kit.ts';
import { createFormVersions } from '../versions/form-versions.ts';

const FORM = '/forms/buy-a-rod-licence';
const SUCCEEDS = '4444333322221111';
const DECLINED = '4000000000000002';
const PAYMENT = { amount: 3250, description: 'Rod licence', descriptionCy: 'Trwydded gwialen' };

function chargingForm(slug = 'buy-a-rod-licence') {
  return bilingualForm({
    slug,
    name: both('Buy a rod licence', 'Prynu trwydded gwialen'),
    settings: { declaration: both('I confirm my answers are true.', 'Rwy’n cadarnhau bod fy atebion yn wir.'), payment: PAYMENT },
    pages: [{ id: 'rod', answerType: 'text', question: both('Which river?', 'Pa afon?') }],
  });
}

async function startChargingForm(t: TestContext) {
  const { app, kernel } = await createTestApp(t);
  const account = await createServicePay({ db: kernel.db, config: kernel.config, audit: kernel.audit }).createAccount({ name: 'Rod licences', actor: 'operator:test' });
  const team = await createConsoleTeam(app, { payAccountId: account.id });
  const versions = createFormVersions({ db: kernel.db, audit: kernel.audit });
  const { formId } = await versions.importForm({ serviceId: team.serviceId, definition: chargingForm(), actor: 'operator:test' });
  const hosted = createHostedPayments({ db: kernel.db, config: kernel.config, audit: kernel.audit, jobs: kernel.jobs, mail: kernel.mail, logger: app.log });
  const submissions = () => createSubmissionStore(kernel.db).listForForm(formId);
  return { app, kernel, account, team, versions, formId, hosted, submissions };
}

const pathOf = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};

/** Answers the form and agrees at check your answers: the address of Pay's page the person is sent to. */
async function reachPayment(visitor: Visitor, fields: Record<string, string> = {}): Promise<string> {
  await visitor.answer(`${FORM}/pages/rod`, { answer: 'Teifi' }, `${FORM}/check-answers`);
  const check = await visitor.get(`${FORM}/check-answers`);
  assert.match(check.body, /You need to pay £32\.50/);
  const agreed = await visitor.post(`${FORM}/check-answers`, fields);
  assert.equal(agreed.statusCode, 303);
  return agreed.headers.location as string;
}

/** Pays on Pay's hosted pages as a browser would, with a sandbox card: the return address Pay sends the browser to. */
async function payOnPayPages(visitor: Visitor, nextUrl: string, cardNo: string): Promise<string> {
  const opened = await visitor.get(pathOf(nextUrl));
  assert.equal(opened.statusCode, 303, 'next_url opens the payment');
  const cardPage = opened.headers.location as string;
  assert.match((await visitor.get(cardPage)).body, /£32\.50/);
  const card = await visitor.post(cardPage, {
    cardNo,
    expiryMonth: '12',
    expiryYear: '2035',
    cardholderName: 'Ffion Jones',
    cvc: '123',
    addressLine1: '1 Stryd Fawr',
    addressLine2: '',
    addressCity: 'Aberteifi',
    addressPostcode: 'SA43 1AA',
    addressCountry: 'GB',
    email: 'ffion@example.com',
  });
  assert.equal(card.statusCode, 303);
  let location = card.headers.location as string;
  if (location.endsWith('/confirm')) {
    await visitor.get(location);
    const confirmed = await visitor.post(location, {});
    location = confirmed.headers.location as string;
  }
  return location;
}

async function follow(visitor: Visitor, response: LightMyRequestResponse): Promise<LightMyRequestResponse> {
  return visitor.get(response.headers.location as string);
}

test('a form that charges: after the declaration the person pays on Pay\'s pages with the sandbox card; the submission is kept once Pay says so, with the payment, shown in the confirmation', async (t) => {
  const { app, submissions, hosted, account, versions, formId } = await startChargingForm(t);
  assert.deepEqual((await versions.exportDefinition(formId)).settings.payment, PAYMENT, 'exported as imported');
  const visitor = new Visitor(app);
  const nextUrl = await reachPayment(visitor);
  assert.match(nextUrl, /\/pay\/secure\//);
  assert.deepEqual(await submissions(), [], 'nothing is submitted before Pay says the payment succeeded');
  const returnUrl = await payOnPayPages(visitor, nextUrl, SUCCEEDS);
  assert.match(returnUrl, /\/forms\/buy-a-rod-licence\/payment\/[A-Za-z0-9_-]{43}$/);
  const back = await visitor.get(pathOf(returnUrl));
  assert.equal(back.headers.location, `${FORM}/confirmation`);
  const [submission, ...others] = await submissions();
  assert.equal(others.length, 0);
  assert.ok(submission?.pay_payment_id && submission.payment_reference);
  assert.equal(submission.payment_amount, 3250);
  const paid = await hosted.findPayment({ accountId: account.id, actor: 'test', paymentId: submission.pay_payment_id });
  assert.equal(paid?.status, 'success');
  assert.equal(paid?.reference, submission.payment_reference);
  const confirmation = await follow(visitor, back);
  assert.match(confirmation.body, new RegExp(`You paid £32\\.50\\. Your payment reference is ${submission.payment_reference}`));
  assert.match(confirmation.body, new RegExp(submission.reference));

  // A replayed return changes nothing.
  const replayed = await visitor.get(pathOf(returnUrl));
  assert.equal(replayed.headers.location, `${FORM}/confirmation`);
  assert.equal((await submissions()).length, 1);
});

test('a declined card: nothing is submitted, the person is told in Welsh and tries again with a new payment, which is the one kept', async (t) => {
  const { app, submissions } = await startChargingForm(t);
  const visitor = new Visitor(app);
  visitor.cookies.set('civitas_lang', 'cy');
  await visitor.answer(`${FORM}/pages/rod`, { answer: 'Teifi' }, `${FORM}/check-answers`);
  assert.match((await visitor.get(`${FORM}/check-answers`)).body, /Mae angen i chi dalu £32\.50/);
  const first = (await visitor.post(`${FORM}/check-answers`)).headers.location as string;
  const declinedReturn = await payOnPayPages(visitor, first, DECLINED);
  // Pay shows its own "payment declined" page first; its link returns to the form.
  const returnPath = declinedReturn.includes('/forms/') ? pathOf(declinedReturn) : await returnLinkOf(visitor, declinedReturn);
  const back = await visitor.get(returnPath);
  assert.equal(back.headers.location, `${FORM}/payment-not-taken`);
  const page = await follow(visitor, back);
  assert.match(page.body, /Nid yw eich taliad wedi’i gymryd|Nid yw eich taliad wedi&#39;i gymryd|Nid yw eich taliad wedi&rsquo;i gymryd/);
  assert.deepEqual(await submissions(), []);

  const second = (await visitor.post(`${FORM}/check-answers`)).headers.location as string;
  assert.notEqual(pathOf(second), pathOf(first), 'a new payment');
  const paidReturn = await payOnPayPages(visitor, second, SUCCEEDS);
  assert.notEqual(pathOf(paidReturn), returnPath, 'with its own return address');
  assert.equal((await visitor.get(pathOf(paidReturn))).headers.location, `${FORM}/confirmation`);
  const [submission] = await submissions();
  assert.equal((await submissions()).length, 1);
  // The first (declined) payment's return address, replayed, submits nothing more.
  assert.equal((await visitor.get(returnPath)).headers.location, `${FORM}/confirmation`);
  assert.equal((await submissions())[0]?.id, submission?.id);
});

/** The link on Pay's own page after a declined card that takes the person back to the service. */
async function returnLinkOf(visitor: Visitor, location: string): Promise<string> {
  const page = await visitor.get(location);
  const href = /href="(http[^"]*\/forms\/[^"]+)"/.exec(page.body)?.[1];
  assert.ok(href, `Pay's page links back to the form: ${page.statusCode} ${location}`);
  return pathOf(href.replaceAll('&amp;', '&'));
}

test('two returns at the same moment make one submission', async (t) => {
  const { app, submissions } = await startChargingForm(t);
  const visitor = new Visitor(app);
  const returnUrl = await payOnPayPages(visitor, await reachPayment(visitor), SUCCEEDS);
  const [one, two] = await Promise.all([visitor.get(pathOf(returnUrl)), visitor.get(pathOf(returnUrl))]);
  assert.equal(one.headers.location, `${FORM}/confirmation`);
  assert.equal(two.headers.location, `${FORM}/confirmation`);
  assert.equal((await submissions()).length, 1);
});

test('attacks: another person\'s return address, a made-up one, a return before paying, another form\'s, and an amount in the body', async (t) => {
  const { app, submissions, versions, team, hosted, account } = await startChargingForm(t);
  const person = new Visitor(app);
  const nextUrl = await reachPayment(person, { amount: '1', payment_amount: '1' });
  const attacker = new Visitor(app);
  await attacker.answer(`${FORM}/pages/rod`, { answer: 'Wye' }, `${FORM}/check-answers`);

  // The person's return address opens nothing for anyone else.
  const returnUrl = await payOnPayPages(person, nextUrl, SUCCEEDS);
  assert.equal((await attacker.get(pathOf(returnUrl))).statusCode, 404, 'another person\'s return address');
  assert.equal((await new Visitor(app).get(pathOf(returnUrl))).statusCode, 404, 'no session at all');
  assert.equal((await person.get(`${FORM}/payment/${'A'.repeat(43)}`)).statusCode, 404, 'a made-up token');
  assert.deepEqual(await submissions(), []);

  // The same person's token on another form of theirs is refused.
  await versions.importForm({ serviceId: team.serviceId, definition: chargingForm('buy-a-boat-licence'), actor: 'operator:test' });
  const token = pathOf(returnUrl).split('/').at(-1) as string;
  assert.equal((await person.get(`/forms/buy-a-boat-licence/payment/${token}`)).statusCode, 404);

  assert.equal((await person.get(pathOf(returnUrl))).headers.location, `${FORM}/confirmation`);
  const [submission] = await submissions();
  assert.equal(submission?.payment_amount, 3250, 'the amount comes from the definition only');
  const paid = await hosted.findPayment({ accountId: account.id, actor: 'test', paymentId: submission?.pay_payment_id as string });
  assert.equal(paid?.amount, 3250);
});

test('a payment cancelled on Pay\'s page is not submitted and may be tried again; a service without a Pay account cannot take payment', async (t) => {
  const { app, kernel, submissions } = await startChargingForm(t);
  const visitor = new Visitor(app);
  const opened = await visitor.get(pathOf(await reachPayment(visitor)));
  const cardPage = opened.headers.location as string;
  await visitor.get(cardPage);
  const cancelled = await visitor.post(`${new URL(cardPage, 'http://localhost').pathname}/cancel`);
  assert.equal(cancelled.statusCode, 303);
  const back = await visitor.get(await returnLinkOf(visitor, cancelled.headers.location as string));
  assert.equal(back.headers.location, `${FORM}/payment-not-taken`);
  assert.match((await follow(visitor, back)).body, /Your payment was not taken/);
  assert.deepEqual(await submissions(), []);

  const versions = createFormVersions({ db: kernel.db, audit: kernel.audit });
  await versions.importForm({ serviceId: 'service-without-pay', definition: chargingForm('buy-a-net-licence'), actor: 'operator:test' });
  const other = new Visitor(app);
  await other.answer('/forms/buy-a-net-licence/pages/rod', { answer: 'Teifi' }, '/forms/buy-a-net-licence/check-answers');
  await other.get('/forms/buy-a-net-licence/check-answers');
  assert.equal((await other.post('/forms/buy-a-net-licence/check-answers')).statusCode, 503);
});

test('a form taken down while the person is on Pay\'s pages: having paid, they come back to their confirmation and are submitted; one who had not paid is told the form is no longer available', async (t) => {
  const { app, submissions, versions, formId } = await startChargingForm(t);
  const payer = new Visitor(app);
  const nextUrl = await reachPayment(payer);
  const other = new Visitor(app);
  await other.answer(`${FORM}/pages/rod`, { answer: 'Tywi' }, `${FORM}/check-answers`);
  const returnUrl = await payOnPayPages(payer, nextUrl, SUCCEEDS);
  assert.equal(await versions.archive({ formId, actor: 'operator:test' }), true);
  const back = await payer.get(pathOf(returnUrl));
  assert.equal(back.headers.location, `${FORM}/confirmation`);
  const confirmation = await follow(payer, back);
  assert.equal(confirmation.statusCode, 200);
  assert.match(confirmation.body, /You paid £32\.50/);
  assert.equal((await submissions()).length, 1, 'the paid submission is made');
  for (const url of [`${FORM}/check-answers`, `${FORM}/payment-not-taken`]) {
    const page = await other.get(url);
    assert.equal(page.statusCode, 404, url);
    assert.match(page.body, /This form is no longer available/);
  }
  assert.equal((await other.post(`${FORM}/check-answers`)).statusCode, 404, 'no payment is started');
});

test('a payment\'s end is in the audit trail once, beside its start: forms.payment.succeeded (two returns at once, a replay) and forms.payment.not-taken (a declined card), with the amount and Pay\'s id, never the card or email', async (t) => {
  const { app, kernel, formId, submissions } = await startChargingForm(t);
  const payments = async () =>
    (await kernel.audit.listRecent({ subject: `form:${formId}`, limit: 100 })).filter((event) => event.action.startsWith('forms.payment.')).reverse();
  const declined = new Visitor(app);
  const declinedReturn = await payOnPayPages(declined, await reachPayment(declined), DECLINED);
  const declinedPath = declinedReturn.includes('/forms/') ? pathOf(declinedReturn) : await returnLinkOf(declined, declinedReturn);
  await declined.get(declinedPath);
  await declined.get(declinedPath);
  const payer = new Visitor(app);
  const returnUrl = await payOnPayPages(payer, await reachPayment(payer), SUCCEEDS);
  await Promise.all([payer.get(pathOf(returnUrl)), payer.get(pathOf(returnUrl))]);
  await payer.get(pathOf(returnUrl));
  const [submission] = await submissions();
  const events = await payments();
  assert.deepEqual(events.map((event) => event.action), ['forms.payment.started', 'forms.payment.not-taken', 'forms.payment.started', 'forms.payment.succeeded']);
  const succeeded = events.at(-1);
  assert.equal(succeeded?.actor, 'anonymous');
  assert.deepEqual(succeeded?.details, { amount: 3250, payPaymentId: submission?.pay_payment_id });
  assert.doesNotMatch(JSON.stringify(events), /4444|4000|ffion@example.com|Ffion Jones|Teifi/);
});
