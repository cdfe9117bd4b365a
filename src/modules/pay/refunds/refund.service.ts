import type { FastifyBaseLogger as Logger } from 'fastify';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { JobQueue } from '../../../platform/jobs/job-queue.ts';
import type { PaymentEventRecorder } from '../ledger/payment-events.ts';
import { notFound, PayApiError } from '../pay.errors.ts';
import { generatePayId, PAY_ID_PATTERN } from '../pay-id.ts';
import { describeRefundSummary } from '../payments/payment-json.ts';
import type { PaymentRow, PaymentStore } from '../payments/payment.store.ts';
import type { PaymentProviders, RefundOutcome } from '../providers/payment-provider.ts';
import type { RefundRow, RefundSearchFilter, RefundStore } from './refund.store.ts';

export const REFUND_JOB = 'pay.refund';

/** Whose refund this is: an account in one mode (live or test). */
export type RefundOwner = { accountId: string; live: boolean };

function notAvailable(status: string): PayApiError {
  return new PayApiError({
    statusCode: 400,
    code: 'P0603',
    description: `The payment is not available for refund. Payment refund status: ${status}`,
  });
}

export function createRefundService(dependencies: {
  db: Database;
  payments: PaymentStore;
  refunds: RefundStore;
  events: PaymentEventRecorder;
  jobs: JobQueue;
  audit: AuditService;
  providers: PaymentProviders;
  clock: () => Date;
  logger: Logger;
}) {
  const { db, payments, refunds, events, jobs, audit, providers, clock } = dependencies;
  const logger = dependencies.logger.child({ component: 'pay-refunds' });

  async function findOwnedPayment(owner: RefundOwner, paymentId: string, code: string): Promise<PaymentRow> {
    const row = PAY_ID_PATTERN.test(paymentId) ? await payments.find(db, paymentId) : undefined;
    if (!row || row.account_id !== owner.accountId || row.live !== (owner.live ? 1 : 0)) throw notFound(code);
    return row;
  }

  /** Why a reservation failed, in Pay's words, read after the failed attempt. */
  function explainRefusal(payment: PaymentRow, request: { amount: number; expectedAvailable?: number }): PayApiError {
    if (payment.disputed === 1) {
      return new PayApiError({ statusCode: 400, code: 'P0603', description: 'The payment is disputed and cannot be refunded' });
    }
    const summary = describeRefundSummary(payment);
    if (summary.status !== 'available' && summary.status !== 'full') return notAvailable(summary.status);
    if (request.expectedAvailable !== undefined && request.expectedAvailable !== summary.amount_available) {
      return new PayApiError({ statusCode: 412, code: 'P0604', description: 'Refund amount available mismatch.' });
    }
    if (summary.status === 'full') return notAvailable('full');
    return notAvailable('amount_not_available');
  }

  /** Settles a submitted refund with the provider's answer, once. */
  async function settle(refund: RefundRow, outcome: RefundOutcome): Promise<void> {
    const now = clock().toISOString();
    await db.transaction().execute(async (transaction) => {
      if (outcome.outcome === 'submitted') return;
      const success = outcome.outcome === 'success';
      const finished = await refunds.finish(transaction, {
        id: refund.id,
        status: success ? 'success' : 'error',
        providerId: success ? outcome.providerRefundId : refund.provider_id,
        at: now,
        settledAt: success && outcome.settled ? now : null,
      });
      if (!finished) return;
      if (success) {
        const payment = (await payments.addRefunded(transaction, { id: refund.payment_id, amount: refund.amount, at: now })) as PaymentRow;
        await events.record(transaction, {
          payment,
          eventType: 'refund_succeeded',
          changesState: false,
          amount: -refund.amount,
          refundId: refund.id,
          webhook: 'card_payment_refunded',
          at: now,
        });
      } else {
        await payments.releaseRefund(transaction, { id: refund.payment_id, amount: refund.amount, at: now });
        const payment = (await payments.find(transaction, refund.payment_id)) as PaymentRow;
        await events.record(transaction, { payment, eventType: 'refund_failed', changesState: false, refundId: refund.id, at: now });
      }
    });
  }

  return {
    /**
     * Refunds part or all of a payment that succeeded. The amount is set aside in the same
     * statement that checks it is available, so refunds racing each other can never refund more
     * than was paid. Answers at once with the refund `submitted`; the provider is asked in a job.
     */
    async createRefund(input: {
      owner: RefundOwner;
      paymentId: string;
      amount: number;
      expectedAvailable?: number;
      requestedBy: string;
      actor: string;
      requestId?: string;
      /** More facts for the audit record, such as whose console service it is. */
      auditDetails?: Record<string, string>;
    }): Promise<RefundRow> {
      const payment = await findOwnedPayment(input.owner, input.paymentId, 'P0600');
      const now = clock().toISOString();
      return db.transaction().execute(async (transaction) => {
        const reserved = await payments.reserveRefund(transaction, {
          id: payment.id,
          amount: input.amount,
          expectedAvailable: input.expectedAvailable,
          at: now,
        });
        if (!reserved) {
          const current = (await payments.find(transaction, payment.id)) as PaymentRow;
          throw explainRefusal(current, input);
        }
        const refund: RefundRow = {
          id: generatePayId(),
          payment_id: payment.id,
          account_id: payment.account_id,
          live: payment.live,
          amount: input.amount,
          status: 'submitted',
          provider_id: null,
          requested_by: input.requestedBy,
          created_at: now,
          updated_at: now,
          settled_at: null,
        };
        await refunds.insert(transaction, refund);
        await events.record(transaction, {
          payment: reserved,
          eventType: 'refund_submitted',
          changesState: false,
          refundId: refund.id,
          at: now,
        });
        await jobs.enqueue(transaction, { type: REFUND_JOB, payload: { refundId: refund.id } });
        await audit.record(
          {
            actor: input.actor,
            action: 'pay.refund.created',
            subject: `pay-payment:${payment.id}`,
            outcome: 'success',
            requestId: input.requestId,
            details: { ...input.auditDetails, refundId: refund.id, amount: input.amount },
          },
          transaction,
        );
        return refund;
      });
    },

    async getRefund(owner: RefundOwner, paymentId: string, refundId: string): Promise<RefundRow> {
      const refund = PAY_ID_PATTERN.test(refundId) ? await refunds.find(db, refundId) : undefined;
      if (
        !refund ||
        refund.payment_id !== paymentId ||
        refund.account_id !== owner.accountId ||
        refund.live !== (owner.live ? 1 : 0)
      ) {
        throw notFound('P0700');
      }
      return refund;
    },

    async listRefunds(owner: RefundOwner, paymentId: string): Promise<{ payment: PaymentRow; refunds: RefundRow[] }> {
      const payment = await findOwnedPayment(owner, paymentId, 'P0800');
      return { payment, refunds: await refunds.listForPayment(db, payment.id) };
    },

    async search(filter: RefundSearchFilter, page: { offset: number; limit: number }) {
      return refunds.search(db, filter, page);
    },

    /** The job: asks the payment's provider to refund. Throws (and is retried) while the provider fails. */
    async runRefund(refundId: string): Promise<void> {
      const refund = await refunds.find(db, refundId);
      if (!refund || refund.status !== 'submitted') return;
      const payment = (await payments.find(db, refund.payment_id)) as PaymentRow;
      const provider = providers.get(payment.provider);
      if (!provider) throw new Error(`no payment provider called ${payment.provider}`);
      const outcome = await provider.refund({
        paymentId: payment.id,
        providerId: payment.provider_id ?? '',
        refundId: refund.id,
        amount: refund.amount,
      });
      if (outcome.outcome === 'error') logger.warn({ refundId }, 'payment provider refused a refund');
      await settle(refund, outcome);
    },

    /** For a provider adapter that confirms refunds later (a notification from the provider). */
    async settleRefund(refundId: string, outcome: RefundOutcome): Promise<void> {
      const refund = await refunds.find(db, refundId);
      if (refund && refund.status === 'submitted') await settle(refund, outcome);
    },
  };
}

export type RefundService = ReturnType<typeof createRefundService>;
