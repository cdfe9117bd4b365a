import { sql } from 'kysely';
import { compileOnce } from '../../../platform/db/compile-once.ts';
import type { Executor } from '../../../platform/db/database.ts';
import type { TemplateType } from '../templates/template.store.ts';

export type NotificationStatus =
  | 'created'
  | 'sending'
  | 'pending'
  | 'sent'
  | 'delivered'
  | 'permanent-failure'
  | 'temporary-failure'
  | 'technical-failure'
  | 'cancelled'
  | 'validation-failed';

export type NotificationRow = {
  id: string;
  service_id: string;
  api_key_id: string | null;
  key_type: 'normal' | 'team' | 'test';
  type: TemplateType;
  template_id: string | null;
  template_version: number | null;
  /** The email address or phone number as given; for letters the first address line. */
  recipient: string;
  personalisation: string;
  subject: string | null;
  body: string;
  reference: string | null;
  status: NotificationStatus;
  postage: string | null;
  billable_units: number;
  reply_to: string | null;
  sender: string | null;
  one_click_unsubscribe_url: string | null;
  precompiled: number;
  delivery_attempts: number;
  provider_reference: string | null;
  created_by_name: string | null;
  created_at: string;
  sent_at: string | null;
  completed_at: string | null;
  updated_at: string;
};

export type ReceivedTextRow = {
  id: string;
  service_id: string;
  user_number: string;
  notify_number: string;
  content: string;
  created_at: string;
};

type NotificationTables = {
  notify_notification: NotificationRow;
  notify_letter_pdf: { notification_id: string; content: string };
  notify_received_text: ReceivedTextRow;
};

export type NotificationFilter = {
  serviceId: string;
  keyType?: NotificationRow['key_type'];
  type?: TemplateType;
  statuses?: readonly NotificationStatus[];
  reference?: string;
  /** Only those created before this one (the `older_than` notification). */
  olderThan?: { createdAt: string; id: string };
  limit: number;
  /**
   * The most characters of subject and body a page may hold: a page ends early rather than grow
   * past it (always one notification at least). Bodies can be 2 MB each; 250 of them made one
   * answer too big to build.
   */
  contentBudget?: number;
};

const NOTIFICATION_COLUMNS = [
  'id', 'service_id', 'api_key_id', 'key_type', 'type', 'template_id', 'template_version', 'recipient',
  'personalisation', 'subject', 'body', 'reference', 'status', 'postage', 'billable_units', 'reply_to', 'sender',
  'one_click_unsubscribe_url', 'precompiled', 'delivery_attempts', 'provider_reference', 'created_by_name',
  'created_at', 'sent_at', 'completed_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof NotificationRow>;
const NOTIFICATION_COLUMN_LIST = sql.raw(NOTIFICATION_COLUMNS.join(', '));
/** Fails to compile if a column of NotificationRow is missing from the list above. */
const everyColumnListed: [Exclude<keyof NotificationRow, (typeof NOTIFICATION_COLUMNS)[number]>] extends [never] ? true : never = true;
void everyColumnListed;

export function createNotificationStore() {
  const tables = (executor: Executor) => executor.withTables<NotificationTables>();
  /** A page of the service's notifications, newest first, as the filter chooses them; columns still to select. */
  function listPage(executor: Executor, filter: NotificationFilter) {
    let query = tables(executor).selectFrom('notify_notification').where('service_id', '=', filter.serviceId);
      if (filter.keyType) query = query.where('key_type', '=', filter.keyType);
      if (filter.type) query = query.where('type', '=', filter.type);
      if (filter.statuses && filter.statuses.length > 0) query = query.where('status', 'in', filter.statuses);
      if (filter.reference !== undefined) query = query.where('reference', '=', filter.reference);
      const olderThan = filter.olderThan;
      if (olderThan) {
        query = query.where((where) =>
          where.or([
            where('created_at', '<', olderThan.createdAt),
            where.and([where('created_at', '=', olderThan.createdAt), where('id', '<', olderThan.id)]),
          ]),
        );
      }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit);
  }
  // Runs for every notification accepted.
  const insertQuery = compileOnce<NotificationRow>((executor, value) => {
    const values = sql.join(NOTIFICATION_COLUMNS.map((column) => value(column)));
    const insert = sql`insert into notify_notification (${NOTIFICATION_COLUMN_LIST}) values (${values})`;
    return { compile: () => insert.compile(executor) };
  });
  return {
    async insert(executor: Executor, row: NotificationRow): Promise<void> {
      await executor.executeQuery(insertQuery(executor, row));
    },
    async insertLetterPdf(executor: Executor, notificationId: string, base64: string): Promise<void> {
      await tables(executor).insertInto('notify_letter_pdf').values({ notification_id: notificationId, content: base64 }).execute();
    },
    async findLetterPdf(executor: Executor, notificationId: string): Promise<string | undefined> {
      const row = await tables(executor)
        .selectFrom('notify_letter_pdf')
        .select('content')
        .where('notification_id', '=', notificationId)
        .executeTakeFirst();
      return row?.content;
    },
    async find(executor: Executor, id: string): Promise<NotificationRow | undefined> {
      return tables(executor).selectFrom('notify_notification').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async findForService(executor: Executor, serviceId: string, id: string): Promise<NotificationRow | undefined> {
      return tables(executor)
        .selectFrom('notify_notification')
        .selectAll()
        .where('id', '=', id)
        .where('service_id', '=', serviceId)
        .executeTakeFirst();
    },
    async list(executor: Executor, filter: NotificationFilter): Promise<NotificationRow[]> {
      if (filter.contentBudget === undefined) return listPage(executor, filter).selectAll().execute();
      // The sizes first, then only the rows that fit: the large bodies of a page never all load.
      const sizes = await listPage(executor, filter)
        .select(['id', sql<number>`length(body) + coalesce(length(subject), 0)`.as('size')])
        .execute();
      const chosen: string[] = [];
      let total = 0;
      for (const row of sizes) {
        total += Number(row.size);
        if (chosen.length > 0 && total > filter.contentBudget) break;
        chosen.push(row.id);
      }
      if (chosen.length === 0) return [];
      return tables(executor)
        .selectFrom('notify_notification')
        .selectAll()
        .where('service_id', '=', filter.serviceId)
        .where('id', 'in', chosen)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
    },
    /**
     * Moves a notification from one status to the next only if it is still in one of `from`:
     * the compare-and-set that keeps two workers from both sending it. True if it moved.
     */
    async transition(
      executor: Executor,
      change: {
        id: string;
        from: readonly NotificationStatus[];
        to: NotificationStatus;
        now: string;
        sentAt?: string;
        completedAt?: string;
        providerReference?: string;
        countAttempt?: boolean;
      },
    ): Promise<boolean> {
      const result = await tables(executor)
        .updateTable('notify_notification')
        .set((update) => ({
          status: change.to,
          updated_at: change.now,
          ...(change.sentAt ? { sent_at: change.sentAt } : {}),
          ...(change.completedAt ? { completed_at: change.completedAt } : {}),
          ...(change.providerReference ? { provider_reference: change.providerReference } : {}),
          ...(change.countAttempt ? { delivery_attempts: update('delivery_attempts', '+', 1) } : {}),
        }))
        .where('id', '=', change.id)
        .where('status', 'in', change.from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async findByProviderReference(executor: Executor, reference: string): Promise<NotificationRow | undefined> {
      return tables(executor)
        .selectFrom('notify_notification')
        .selectAll()
        .where('provider_reference', '=', reference)
        .executeTakeFirst();
    },
    /**
     * Emails and text messages still `sending` or `pending` that were created before `before`:
     * handed to a provider, with no outcome since. Moved to `temporary-failure`, as Notify
     * times them out; returns those moved.
     */
    async timeOutUnfinished(executor: Executor, timeout: { before: string; now: string; limit: number }): Promise<Array<{ id: string; service_id: string; type: string }>> {
      const unfinished: readonly NotificationStatus[] = ['sending', 'pending'];
      // Written out, not as parameters, so that the partial index on exactly these can serve.
      const unfinishedList = sql<NotificationStatus>`('sending', 'pending')`;
      const candidates = await tables(executor)
        .selectFrom('notify_notification')
        .select(['id', 'service_id'])
        .where('created_at', '<', timeout.before)
        .where('status', 'in', unfinishedList)
        .where('type', 'in', ['email', 'sms'])
        .limit(timeout.limit)
        .execute();
      if (candidates.length === 0) return [];
      const moved = await tables(executor)
        .updateTable('notify_notification')
        .set({ status: 'temporary-failure', updated_at: timeout.now, completed_at: timeout.now })
        .where('id', 'in', candidates.map((row) => row.id))
        .where('status', 'in', unfinished)
        .returning(['id', 'service_id', 'type'])
        .execute();
      return moved;
    },
    /** Deletes a service's notifications (and letter PDFs) created before `before`; returns how many. */
    async deleteOlderThan(executor: Executor, purge: { serviceId: string; before: string; limit: number }): Promise<string[]> {
      const db = tables(executor);
      const ids = (
        await db
          .selectFrom('notify_notification')
          .select('id')
          .where('service_id', '=', purge.serviceId)
          .where('created_at', '<', purge.before)
          .limit(purge.limit)
          .execute()
      ).map((row) => row.id);
      if (ids.length === 0) return [];
      await db.deleteFrom('notify_letter_pdf').where('notification_id', 'in', ids).execute();
      await db.deleteFrom('notify_notification').where('id', 'in', ids).execute();
      return ids;
    },

    async insertReceivedText(executor: Executor, row: ReceivedTextRow): Promise<void> {
      await tables(executor).insertInto('notify_received_text').values(row).execute();
    },
    async findReceivedText(executor: Executor, id: string): Promise<ReceivedTextRow | undefined> {
      return tables(executor).selectFrom('notify_received_text').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async listReceivedTexts(
      executor: Executor,
      filter: { serviceId: string; olderThan?: { createdAt: string; id: string }; limit: number },
    ): Promise<ReceivedTextRow[]> {
      let query = tables(executor).selectFrom('notify_received_text').selectAll().where('service_id', '=', filter.serviceId);
      const olderThan = filter.olderThan;
      if (olderThan) {
        query = query.where((where) =>
          where.or([
            where('created_at', '<', olderThan.createdAt),
            where.and([where('created_at', '=', olderThan.createdAt), where('id', '<', olderThan.id)]),
          ]),
        );
      }
      return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    },
    async deleteReceivedTextsOlderThan(executor: Executor, purge: { serviceId: string; before: string }): Promise<number> {
      const result = await tables(executor)
        .deleteFrom('notify_received_text')
        .where('service_id', '=', purge.serviceId)
        .where('created_at', '<', purge.before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;
