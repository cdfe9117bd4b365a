import type { Executor } from '../../../platform/db/database.ts';
import { notSealedUnderCurrentKey } from '../../../platform/secrets/resealing.store.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';

export type WebhookRow = {
  id: string;
  account_id: string;
  live: number;
  url: string;
  description: string;
  /** In clear here; sealed in the database. */
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

/**
 * Signing secrets are sealed at rest; one stored in clear before, or under a previous
 * ENCRYPTION_KEY, is sealed again at start-up (`resealSigningSecrets`) or when next found by id.
 */
const SIGNING_SECRET_PURPOSE = 'pay-webhook-signing-secret';

export function createWebhookStore(dependencies: { secrets: SecretBoxes }) {
  const tables = (executor: Executor) => executor.withTables<WebhookTables>();
  const box = dependencies.secrets.forPurpose(SIGNING_SECRET_PURPOSE);
  const openSecret = (row: WebhookRow): WebhookRow => ({ ...row, signing_secret: box.openOrAcceptClear(row.signing_secret) });

  /** Only the value read is replaced, so two processes sealing the same row at once agree. */
  async function resealSigningSecret(executor: Executor, row: Pick<WebhookRow, 'id' | 'signing_secret'>): Promise<boolean> {
    const result = await tables(executor)
      .updateTable('pay_webhook')
      .set({ signing_secret: box.seal(box.openOrAcceptClear(row.signing_secret)) })
      .where('id', '=', row.id)
      .where('signing_secret', '=', row.signing_secret)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  return {
    async insertWebhook(executor: Executor, row: WebhookRow): Promise<void> {
      await tables(executor).insertInto('pay_webhook').values({ ...row, signing_secret: box.seal(row.signing_secret) }).execute();
    },

    async findWebhook(executor: Executor, id: string): Promise<WebhookRow | undefined> {
      const row = await tables(executor).selectFrom('pay_webhook').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const opened = openSecret(row);
      if (box.needsResealing(row.signing_secret)) await resealSigningSecret(executor, row);
      return opened;
    },

    /** Seals every signing secret kept in clear or under a previous key; how many it sealed. */
    async resealSigningSecrets(executor: Executor): Promise<number> {
      const rows = await tables(executor)
        .selectFrom('pay_webhook')
        .select(['id', 'signing_secret'])
        .where(notSealedUnderCurrentKey('signing_secret', box))
        .execute();
      let resealed = 0;
      for (const row of rows) if (await resealSigningSecret(executor, row)) resealed += 1;
      return resealed;
    },

    async listWebhooks(executor: Executor, owner: { accountId: string; live?: boolean }): Promise<WebhookRow[]> {
      let query = tables(executor).selectFrom('pay_webhook').selectAll().where('account_id', '=', owner.accountId);
      if (owner.live !== undefined) query = query.where('live', '=', owner.live ? 1 : 0);
      return (await query.orderBy('created_at').orderBy('id').execute()).map(openSecret);
    },

    async listActive(executor: Executor, owner: { accountId: string; live: boolean }): Promise<WebhookRow[]> {
      const rows = await tables(executor)
        .selectFrom('pay_webhook')
        .selectAll()
        .where('account_id', '=', owner.accountId)
        .where('live', '=', owner.live ? 1 : 0)
        .where('status', '=', 'active')
        .execute();
      return rows.map(openSecret);
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
