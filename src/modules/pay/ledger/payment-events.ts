import type { Executor } from '../../../platform/db/database.ts';
import { presentPayment } from '../payments/payment-json.ts';
import { describeExternalStatus } from '../payments/payment-state.ts';
import type { PaymentRow } from '../payments/payment.store.ts';
import type { WebhookEventType, WebhookService } from '../webhooks/webhook.service.ts';
import type { LedgerStore } from './ledger.store.ts';

export type PaymentEvent = {
  /** The payment as it is after the change. */
  payment: PaymentRow;
  eventType: string;
  /** False for entries that leave the payment's API status as it was (refunds, capture confirmed). */
  changesState?: boolean;
  /** Money moved, in pence: + captured, - refunded. */
  amount?: number;
  refundId?: string;
  /** The webhook event this change sends, if any. */
  webhook?: WebhookEventType;
  at: string;
};

/**
 * Writes a change into the ledger and queues the webhooks it sends. Always called inside the
 * transaction that made the change, so the ledger and the payments can never disagree.
 */
export function createPaymentEventRecorder(dependencies: { ledger: LedgerStore; webhooks: WebhookService; baseUrl: string }) {
  const { ledger, webhooks, baseUrl } = dependencies;
  return {
    async record(transaction: Executor, event: PaymentEvent): Promise<void> {
      const { payment } = event;
      const changesState = event.changesState ?? true;
      await ledger.insert(transaction, {
        // A payment's first entry is its creation; later ones are numbered after the last.
        ...(event.eventType === 'created' ? { sequence: 1 } : {}),
        payment_id: payment.id,
        refund_id: event.refundId ?? null,
        account_id: payment.account_id,
        live: payment.live,
        event_type: event.eventType,
        status: changesState ? describeExternalStatus(payment.status) : null,
        code: changesState ? payment.failure_code : null,
        amount: event.amount ?? 0,
        occurred_at: event.at,
      });
      if (event.webhook) {
        await webhooks.enqueueEvent(transaction, {
          accountId: payment.account_id,
          live: payment.live === 1,
          eventType: event.webhook,
          resource: presentPayment(payment, { baseUrl }),
        });
      }
    },
  };
}

export type PaymentEventRecorder = ReturnType<typeof createPaymentEventRecorder>;
