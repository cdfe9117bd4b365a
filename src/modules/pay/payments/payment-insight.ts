import type { Database, Executor } from '../../../platform/db/database.ts';
import type { ServiceEvent, ServiceEventRecorder, ServiceEventType } from '../../../platform/events/service-events.ts';
import type { PaymentEvent, PaymentEventRecorder } from '../ledger/payment-events.ts';
import { FAILURE_CODES, isFinished } from './payment-state.ts';

const ABANDONED_CODES: readonly string[] = [FAILURE_CODES.expired, FAILURE_CODES.cancelledByUser, FAILURE_CODES.cancelledByService];

/** What Insight hears of a change to a payment: its creation, or the status it finished in (once: finished is final). */
export function describePaymentForInsight(event: PaymentEvent): ServiceEventType | undefined {
  if (event.eventType === 'created') return 'pay.payment.created';
  if (event.changesState === false || !isFinished(event.payment.status)) return undefined;
  if (event.payment.status === 'success') return 'pay.payment.succeeded';
  if (event.payment.status === 'cancelled' || ABANDONED_CODES.includes(event.payment.failure_code ?? '')) return 'pay.payment.abandoned';
  return 'pay.payment.failed';
}

/**
 * The database and ledger recorder the payment service works with, such that Insight hears of
 * each payment created or finished once the transaction that changed it has committed, and
 * never of a change rolled back (a group commit that failed, a try while the database was out).
 * Only the account and the payment's id are told: no amount, reference, card or email.
 */
export function recordPaymentsForInsight(dependencies: {
  db: Database;
  events: PaymentEventRecorder;
  serviceEvents: ServiceEventRecorder;
  onRefused(error: unknown): void;
}): { db: Database; events: PaymentEventRecorder } {
  const { serviceEvents } = dependencies;
  const waitingForCommit = new WeakMap<Executor, ServiceEvent[]>();

  const tell = (told: readonly ServiceEvent[]): void => {
    for (const event of told) {
      try {
        serviceEvents.record(event);
      } catch (error) {
        dependencies.onRefused(error);
      }
    }
  };

  const events: PaymentEventRecorder = {
    async record(transaction, event) {
      await dependencies.events.record(transaction, event);
      const type = describePaymentForInsight(event);
      if (!type) return;
      const told = { service: `pay-account:${event.payment.account_id}`, type, journeyId: event.payment.id, at: new Date(event.at) };
      const waiting = waitingForCommit.get(transaction);
      if (waiting) waiting.push(told);
      else if (!transaction.isTransaction) tell([told]);
    },
  };

  const commitAware = (builder: ReturnType<Database['transaction']>) =>
    new Proxy(builder, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property);
        if (property !== 'execute') return typeof value === 'function' ? value.bind(target) : value;
        return async <T>(work: (transaction: Executor) => Promise<T>): Promise<T> => {
          const told: ServiceEvent[] = [];
          const result = await target.execute((transaction) => {
            waitingForCommit.set(transaction, told);
            return work(transaction);
          });
          tell(told);
          return result;
        };
      },
    });

  const db = new Proxy(dependencies.db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (property === 'transaction') return () => commitAware(target.transaction());
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db, events };
}
