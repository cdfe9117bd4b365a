import type { Executor } from '../../../platform/db/database.ts';
import type { NotificationRow, NotificationStatus } from '../notifications/notification.store.ts';

type DeliveryTables = { notify_notification: NotificationRow };

/** The delivery worker's writes, each for many notifications in one statement. */
export function createDeliveryStore() {
  const tables = (executor: Executor) => executor.withTables<DeliveryTables>();

  return {
    /**
     * Marks notifications `sending` for a delivery attempt (counting the attempt) where they are
     * still `created`, or `sending` from an attempt whose outcome is unknown, and returns them;
     * one finished or gone is left out. One statement, so two workers cannot both claim one.
     */
    async claimForDelivery(executor: Executor, claim: { ids: readonly string[]; now: string }): Promise<NotificationRow[]> {
      return tables(executor)
        .updateTable('notify_notification')
        .set((update) => ({
          status: 'sending',
          updated_at: claim.now,
          sent_at: update.fn.coalesce('sent_at', update.val(claim.now)),
          delivery_attempts: update('delivery_attempts', '+', 1),
        }))
        .where('id', 'in', claim.ids)
        .where('status', 'in', ['created', 'sending'])
        .returningAll()
        .execute();
    },

    /**
     * Puts a notification back to `created` after an attempt the provider surely did not take
     * (it could not be reached, or answered "not now"): as GOV.UK Notify shows, `sending` means
     * the provider has the message. Only from `sending`, so a finished one is never moved back.
     */
    async releaseUntaken(executor: Executor, release: { id: string; now: string }): Promise<boolean> {
      const released = await tables(executor)
        .updateTable('notify_notification')
        .set({ status: 'created', sent_at: null, updated_at: release.now })
        .where('id', '=', release.id)
        .where('status', '=', 'sending')
        .returning('id')
        .execute();
      return released.length > 0;
    },

    /**
     * Moves notifications still in progress to `to` (with the provider's reference, if given);
     * returns the ids of those it moved.
     */
    async moveOn(
      executor: Executor,
      change: { ids: readonly string[]; to: NotificationStatus; now: string; completed: boolean; providerReference?: string },
    ): Promise<string[]> {
      const moved = await tables(executor)
        .updateTable('notify_notification')
        .set((update) => ({
          status: change.to,
          updated_at: change.now,
          sent_at: update.fn.coalesce('sent_at', update.val(change.now)),
          ...(change.completed ? { completed_at: change.now } : {}),
          ...(change.providerReference ? { provider_reference: change.providerReference } : {}),
        }))
        .where('id', 'in', change.ids)
        .where('status', 'in', ['created', 'sending', 'pending'])
        .returning('id')
        .execute();
      return moved.map((row) => row.id);
    },
  };
}

export type DeliveryStore = ReturnType<typeof createDeliveryStore>;
