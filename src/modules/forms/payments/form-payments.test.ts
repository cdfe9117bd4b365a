import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { HostedPayment, HostedPayments } from '../../pay/pay.contract.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createRunnerSessions } from '../runner/runner-sessions.ts';
import { createFormPayments } from './form-payments.ts';

/** Pay as Forms sees it through the contract, answering with whatever a test sets. */
function createPayStandIn() {
  let answer: Omit<HostedPayment, 'paymentId' | 'reference'> = { status: 'created', finished: false, amount: 999 };
  const returnUrls: string[] = [];
  const hosted: HostedPayments = {
    async createPayment(input) {
      returnUrls.push(input.returnUrl);
      return { paymentId: `pay-${returnUrls.length}`, reference: input.reference, status: 'created', finished: false, amount: input.amount, nextUrl: 'https://pay.example/secure/x' };
    },
    async findPayment(input) {
      return { paymentId: input.paymentId, reference: 'R', ...answer };
    },
  };
  return { hosted, returnUrls, answerWith: (next: typeof answer) => (answer = next) };
}

async function startSession(t: TestContext) {
  const kernel = await createTestKernel(t);
  const pay = createPayStandIn();
  const payments = createFormPayments({ db: kernel.db, hosted: pay.hosted, audit: kernel.audit, baseUrl: 'https://civitas.example', findPayAccount: async () => 'account-1' });
  const sessions = createRunnerSessions({ db: kernel.db });
  const session = await sessions.find(await sessions.start({ formId: 'form-1', versionId: 'v1', answers: {} }), 'form-1');
  assert.ok(session);
  const start = () => payments.start({ session, slug: 'pay-a-fee', setting: { amount: 999, description: 'Fee' }, referenceFormat: 'FEE-######', language: 'en' });
  return { pay, payments, session, start };
}

test('a person who paid but never came back (a closed tab) is not charged again: agreeing again finds the payment at Pay', async (t) => {
  const { pay, payments, session, start } = await startSession(t);
  await start();
  pay.answerWith({ status: 'started', finished: false, amount: 999 });
  assert.equal(await payments.findUnused(session), undefined);
  pay.answerWith({ status: 'success', finished: true, amount: 999 });
  const found = await payments.findUnused(session);
  assert.equal(found?.payPaymentId, 'pay-1');
  assert.equal(found?.amount, 999);
  assert.match(found?.reference ?? '', /^FEE-[2-9A-Z]{6}$/);
  assert.deepEqual(await payments.findUnused(session), found, 'found again, now recorded as succeeded');
});

test('a return is taken as paid only when Pay says success for the amount asked; unfinished is not taken, and not failed either', async (t) => {
  const { pay, payments, session, start } = await startSession(t);
  await start();
  const token = pay.returnUrls[0]?.split('/').at(-1) as string;
  const settle = () => payments.settle({ token, session, formId: 'form-1' });

  pay.answerWith({ status: 'started', finished: false, amount: 999 });
  assert.deepEqual(await settle(), { kind: 'in-progress' });
  pay.answerWith({ status: 'success', finished: true, amount: 1 });
  assert.deepEqual(await settle(), { kind: 'not-taken' }, 'success for another amount is not this payment');
  assert.equal(await payments.findUnused(session), undefined);
  assert.deepEqual(await payments.settle({ token, session, formId: 'form-2' }), { kind: 'refused' });
  assert.deepEqual(await payments.settle({ token: `${token.slice(0, -1)}x`, session, formId: 'form-1' }), { kind: 'refused' });
  assert.deepEqual(await payments.settle({ token, session: undefined, formId: 'form-1' }), { kind: 'refused' });
});
