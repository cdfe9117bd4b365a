import type { Database, Executor } from '../../../platform/db/database.ts';
import type { JobQueue } from '../../../platform/jobs/job-queue.ts';
import { generatePayId } from '../pay-id.ts';
import type { PaymentRow, PaymentStore } from '../payments/payment.store.ts';
import type { PaymentProvider } from '../providers/payment-provider.ts';
import type { DisputeRow, DisputeSearchFilter, DisputeStore } from './dispute.store.ts';

export const CLOSE_DISPUTE_JOB = 'pay.close-dispute';
/** Stripe's dispute fee in the UK, which a lost dispute costs the service on top of the amount. */
export const DISPUTE_FEE = 2000;
/** Stripe gives 21 days or so to send evidence; Pay shows the deadline at the end of that day. */
const EVIDENCE_DAYS = 21;

/**
 * Disputes of captured payments. The sandbox simulates them for GOV.UK Pay's dispute test cards:
 * the dispute opens (`needs_response`) when the payment is captured, and the `pay.close-dispute`
 * job then closes it, won or lost, as Pay's connector closes a Stripe test dispute by sending
 * Stripe's winning or losing evidence for it.
 */
export function createDisputeService(dependencies: {
  db: Database;
  disputes: DisputeStore;
  payments: Pick<PaymentStore, 'markDisputed'>;
  jobs: JobQueue;
  clock: () => Date;
}) {
  const { db, disputes, payments, jobs, clock } = dependencies;

  return {
    /** In the capture's transaction: opens the dispute the provider simulates for this card, if any. */
    async openSimulated(transaction: Executor, payment: PaymentRow, provider: PaymentProvider): Promise<void> {
      if (!payment.card_first_digits || !payment.card_last_digits) return;
      const dispute = provider.simulateDispute?.({ firstDigits: payment.card_first_digits, lastDigits: payment.card_last_digits });
      if (!dispute) return;
      const now = clock();
      const due = new Date(now.getTime() + EVIDENCE_DAYS * 24 * 60 * 60 * 1000);
      const row: DisputeRow = {
        id: generatePayId(),
        payment_id: payment.id,
        account_id: payment.account_id,
        live: payment.live,
        amount: payment.amount,
        fee: null,
        net_amount: null,
        reason: dispute.reason,
        status: 'needs_response',
        evidence_due_date: `${due.toISOString().slice(0, 10)}T23:59:59.000Z`,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
        settled_at: null,
      };
      await disputes.insert(transaction, row);
      // As Pay: a disputed payment's refund status is unavailable (P0603 for a refund).
      await payments.markDisputed(transaction, { id: payment.id, at: row.created_at });
      await jobs.enqueue(transaction, { type: CLOSE_DISPUTE_JOB, payload: { disputeId: row.id, outcome: dispute.outcome } });
    },

    /** Closes a dispute: lost takes the amount and the fee back (settled at once), won takes nothing. */
    async runClose(disputeId: string, outcome: 'won' | 'lost'): Promise<void> {
      const dispute = await disputes.find(db, disputeId);
      if (!dispute) return;
      const at = clock().toISOString();
      const lost = outcome === 'lost';
      await disputes.close(db, {
        id: disputeId,
        status: outcome,
        fee: lost ? DISPUTE_FEE : null,
        netAmount: lost ? -(dispute.amount + DISPUTE_FEE) : null,
        at,
        settledAt: lost ? at : null,
      });
    },

    async search(filter: DisputeSearchFilter, page: { offset: number; limit: number }) {
      return disputes.search(db, filter, page);
    },
  };
}

export type DisputeService = ReturnType<typeof createDisputeService>;
