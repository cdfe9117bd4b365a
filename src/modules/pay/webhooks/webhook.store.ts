import type { Executor } from '../../../platform/db/database.ts';

export type WebhookRow = {
  id: string;
  account_id: string;
  live: number;
  url: string;
  description: string;
  signing_secret: string;
  /** JSON array of event types. */
  events: string;
  status: 'active' | 'inactive';
  created_at: string;
};

export type WebhookMessageStatus = 'pending' | 'successful' | 'failed';

export type WebhookMessageRow = {
  id: string;
  webhook_id: string;
  event_type: string;
  resource_id: string;
  body: string;
  status: WebhookMessageStatus;
  attempts: number;
  last_status_code: number | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
};

export type WebhookAttemptRow = {
  id: string;
  message_id: string;
  attempt: number;
  attempted_at: string;
  status_code: number | null;
  outcome: 'success' | 'failure';
  /** A constant description of what went wrong, such as `timed out`; never a response body. */
  problem: string | null;
  duration_ms: number;
};

type WebhookTables = {
  pay_webhook: WebhookRow;
  pay_webhook_message: WebhookMessageRow;
  pay_webhook_attempt: WebhookAttemptRow;
};

export function createWebhookStore() {
  const tables = (executor: Executor) => executor.withTables<WebhookTables>();

  return {
    async insertWebhook(executor: Executor, row: WebhookRow): Promise<void> {
      await tables(executor).insertInto('pay_webhook').values(row).execute();
    },

    async findWebhook(executor: Executor, id: string): Promise<WebhookRow | undefined> {
      return tables(executor).selectFrom('pay_webhook').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async listWebhooks(executor: Executor, owner: { accountId: string; live?: boolean }): Promise<WebhookRow[]> {
      let query = tables(executor).selectFrom('pay_webhook').selectAll().where('account_id', '=', owner.accountId);
      if (owner.live !== undefined) query = query.where('live', '=', owner.live ? 1 : 0);
      return query.orderBy('created_at').orderBy('id').execute();
    },

    async listActive(executor: Executor, owner: { accountId: string; live: boolean }): Promise<WebhookRow[]> {
      return tables(executor)
        .selectFrom('pay_webhook')
        .selectAll()
        .where('account_id', '=', owner.accountId)
        .where('live', '=', owner.live ? 1 : 0)
        .where('status', '=', 'active')
        .execute();
    },

    async setWebhookStatus(executor: Executor, change: { id: string; status: 'active' | 'inactive' }): Promise<void> {
      await tables(executor).updateTable('pay_webhook').set({ status: change.status }).where('id', '=', change.id).execute();
    },

    async insertMessage(executor: Executor, row: WebhookMessageRow): Promise<void> {
      await tables(executor).insertInto('pay_webhook_message').values(row).execute();
    },

    async findMessage(executor: Executor, id: string): Promise<WebhookMessageRow | undefined> {
      return tables(executor).selectFrom('pay_webhook_message').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async updateMessage(
      executor: Executor,
      change: { id: string; set: Partial<Omit<WebhookMessageRow, 'id'>> & { updated_at: string } },
    ): Promise<void> {
      await tables(executor).updateTable('pay_webhook_message').set(change.set).where('id', '=', change.id).execute();
    },

    async listMessages(
      executor: Executor,
      query: { webhookId: string; status?: WebhookMessageStatus; limit: number; offset: number },
    ): Promise<WebhookMessageRow[]> {
      let select = tables(executor).selectFrom('pay_webhook_message').selectAll().where('webhook_id', '=', query.webhookId);
      if (query.status) select = select.where('status', '=', query.status);
      return select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute();
    },

    async insertAttempt(executor: Executor, row: WebhookAttemptRow): Promise<void> {
      await tables(executor).insertInto('pay_webhook_attempt').values(row).execute();
    },

    async listAttempts(executor: Executor, messageId: string): Promise<WebhookAttemptRow[]> {
      return tables(executor)
        .selectFrom('pay_webhook_attempt')
        .selectAll()
        .where('message_id', '=', messageId)
        .orderBy('attempt')
        .execute();
    },
  };
}

export type WebhookStore = ReturnType<typeof createWebhookStore>;
