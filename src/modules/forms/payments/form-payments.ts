import { hash, randomBytes } from 'node:crypto';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../../platform/db/database.ts';
import type { HostedPayments } from '../../pay/pay.contract.ts';
import type { PaymentSetting } from '../definition/form-definition.ts';
import type { RunnerSession } from '../runner/runner-sessions.ts';
import { auditActorOf } from '../runner/runner-context.ts';
import type { Language } from '../runner/question-view.ts';
import type { SubmissionPayment } from '../submissions/submissions.ts';
import { createReferenceNumber } from '../submissions/reference-number.ts';
import { createFormPaymentStore, type FormPaymentRow } from './form-payment.store.ts';

/** Pay's reference for Forms' payments, in Pay's audit trail. */
const PAY_ACTOR = 'forms';
export const RETURN_TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** How many of a session's unfinished tries are asked about before another is made. */
const UNSETTLED_CHECKED = 5;
const tokenHashOf = (token: string) => hash('sha256', token, 'base64url');

/** How a return from Pay ended: paid (submit now), not taken (try again), not finished yet, or not this person's. */
export type PaymentReturn = { kind: 'paid'; payment: SubmissionPayment } | { kind: 'not-taken' } | { kind: 'in-progress' } | { kind: 'refused' };

/**
 * Paying for a submission through Pay's pages. Each try is a new Pay payment with its own return
 * address, a random token bound to the person's session and the form; only the token's hash is
 * kept. What happened is read from Pay on return, never from the address.
 */
export function createFormPayments(dependencies: {
  db: Database;
  hosted: HostedPayments;
  /** Where a try's end (paid, or not taken) is recorded, once, as its start is. */
  audit: AuditService;
  baseUrl: string;
  /** The Pay account of the form's console service, if it has one. */
  findPayAccount: (executor: Executor, formId: string) => Promise<string | undefined>;
  clock?: () => Date;
}) {
  const { db, hosted } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const store = createFormPaymentStore(db);
  /** Records a try's end the first time it is learnt (a replayed return records nothing more), in the audit trail too. */
  async function recordOutcome(row: FormPaymentRow, session: RunnerSession, outcome: 'success' | 'failed'): Promise<void> {
    if (!(await store.recordOutcome(row.token_hash, outcome))) return;
    await dependencies.audit.record({
      actor: auditActorOf(session),
      action: outcome === 'success' ? 'forms.payment.succeeded' : 'forms.payment.not-taken',
      subject: `form:${row.form_id}`,
      outcome: 'success',
      details: { amount: row.amount, payPaymentId: row.pay_payment_id },
    });
  }
  /** What Pay says of a try, recorded once it has ended. */
  async function settleRow(row: FormPaymentRow, session: RunnerSession): Promise<PaymentReturn> {
    const payment = await hosted.findPayment({ accountId: row.pay_account_id, actor: PAY_ACTOR, paymentId: row.pay_payment_id });
    if (!payment) return { kind: 'refused' };
    if (payment.status === 'success' && payment.amount === row.amount) {
      await recordOutcome(row, session, 'success');
      return { kind: 'paid', payment: paymentOf(row) };
    }
    if (!payment.finished) return { kind: 'in-progress' };
    await recordOutcome(row, session, 'failed');
    return { kind: 'not-taken' };
  }
  const paymentOf = (row: { reference: string; pay_payment_id: string; amount: number }): SubmissionPayment => ({ reference: row.reference, payPaymentId: row.pay_payment_id, amount: row.amount });

  return {
    /**
     * A payment of this session's that Pay says succeeded and no submission has used: one the
     * person returned with while their answers were incomplete, or paid but never came back from
     * (a closed tab), so agreeing again does not charge them twice.
     */
    async findUnused(session: RunnerSession): Promise<SubmissionPayment | undefined> {
      const succeeded = await store.findSucceeded(session.idHash);
      if (succeeded) return paymentOf(succeeded);
      for (const row of await store.listUnsettled(session.idHash, UNSETTLED_CHECKED)) {
        if ((await settleRow(row, session)).kind === 'paid') return paymentOf(row);
      }
      return undefined;
    },

    /** Starts a try at paying the form's amount (from its definition only): where to send the person's browser. */
    async start(input: { session: RunnerSession; slug: string; setting: PaymentSetting; referenceFormat: string; language: Language }): Promise<string> {
      const accountId = await dependencies.findPayAccount(db, input.session.formId);
      if (!accountId) throw new PaymentUnavailable();
      const token = randomBytes(32).toString('base64url');
      const reference = createReferenceNumber(input.referenceFormat);
      const { amount } = input.setting;
      const created = await hosted.createPayment({
        accountId,
        actor: PAY_ACTOR,
        amount,
        reference,
        description: input.language === 'cy' && input.setting.descriptionCy ? input.setting.descriptionCy : input.setting.description,
        language: input.language,
        returnUrl: `${dependencies.baseUrl}/forms/${input.slug}/payment/${token}`,
      });
      await store.insert({
        token_hash: tokenHashOf(token),
        session_hash: input.session.idHash,
        form_id: input.session.formId,
        pay_account_id: accountId,
        pay_payment_id: created.paymentId,
        reference,
        amount,
        outcome: null,
        created_at: clock().toISOString(),
        expires_at: input.session.expiresAt,
      });
      return created.nextUrl;
    },

    /** The person is back from Pay: what Pay says of the payment this token is for, if the token is this session's and this form's. */
    async settle(input: { token: string; session: RunnerSession | undefined; formId: string }): Promise<PaymentReturn> {
      const row = RETURN_TOKEN.test(input.token) ? await store.findByTokenHash(tokenHashOf(input.token)) : undefined;
      if (!row || !input.session || row.session_hash !== input.session.idHash || row.form_id !== input.formId) return { kind: 'refused' };
      return settleRow(row, input.session);
    },
  };
}

/** A form that charges, for a service with no Pay account. */
export class PaymentUnavailable extends Error {
  readonly statusCode = 503;
}

export type FormPayments = ReturnType<typeof createFormPayments>;
