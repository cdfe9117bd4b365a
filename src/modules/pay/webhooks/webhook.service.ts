import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../../platform/db/database.ts';
import type { ClaimedJob, JobQueue } from '../../../platform/jobs/job-queue.ts';
import { checkOutboundUrl, OutboundRequestError, type OutboundPolicy, type OutboundRequester } from '../../../platform/net/outbound-request.ts';
import { encodeBase32Hex, generatePayId } from '../pay-id.ts';
import type { PaymentJson } from '../payments/payment-json.ts';
import { signWebhookBody } from './webhook-signature.ts';
import type { WebhookAttemptRow, WebhookMessageRow, WebhookRow, WebhookStore } from './webhook.store.ts';

/** The events a service can subscribe to, as GOV.UK Pay's webhooks name them. */
export const WEBHOOK_EVENT_TYPES = [
  'card_payment_started',
  'card_payment_succeeded',
  'card_payment_captured',
  'card_payment_refunded',
  'card_payment_failed',
  'card_payment_expired',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

export const DELIVER_WEBHOOK_JOB = 'pay.deliver-webhook';
/** After the first try: 60 seconds, 5 minutes, 1 hour, 1 day and 2 days, as GOV.UK Pay retries. */
export const WEBHOOK_RETRY_DELAYS_MS = [60_000, 300_000, 3_600_000, 86_400_000, 172_800_000] as const;
const DELIVERY_TIMEOUT_MS = 5000;
/** Only the status matters; a service's answer is not kept. */
const RESPONSE_LIMIT_BYTES = 1024;
/** The longest callback URL and description a webhook may have (the team pages state them). */
export const WEBHOOK_URL_LIMIT = 2048;
/** Control, whitespace (CR, LF, U+2028...) and invisible format characters: never part of an address. */
const UNSAFE_URL_CHARACTER = /[\p{Cc}\p{Cf}\p{Z}\s]/u;
export const WEBHOOK_DESCRIPTION_LIMIT = 255;

export class WebhookError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export type Webhook = {
  id: string;
  accountId: string;
  live: boolean;
  url: string;
  description: string;
  events: WebhookEventType[];
  status: 'active' | 'inactive';
  createdAt: string;
};

function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    accountId: row.account_id,
    live: row.live === 1,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as WebhookEventType[],
    status: row.status,
    createdAt: row.created_at,
  };
}

/**
 * Where webhooks may be sent: http(s) only, no user name or password in the address, https
 * only in production, and not to a private or loopback IP address (unless the configuration
 * allows it), and no control, whitespace or invisible format character anywhere in it (the URL
 * standard would silently drop some of them, so the address called would not be the one shown).
 * Returns a problem code, or undefined when the address is fine.
 */
export function checkWebhookUrl(url: string, policy: OutboundPolicy): string | undefined {
  if (url.length === 0) return 'MISSING_URL';
  if (url.length > WEBHOOK_URL_LIMIT || UNSAFE_URL_CHARACTER.test(url)) return 'INVALID_URL';
  return checkOutboundUrl(url, policy);
}

const URL_PROBLEM_MESSAGES: Record<string, string> = {
  PRIVATE_ADDRESS: 'The callback URL must be a public address, not a private, loopback or other internal one',
};

export function createWebhookService(dependencies: {
  db: Database;
  store: WebhookStore;
  jobs: JobQueue;
  audit: AuditService;
  logger: Logger;
  /** Sends deliveries; its policy also decides which addresses may be registered. */
  outbound: OutboundRequester;
  clock: () => Date;
}) {
  const { db, store, jobs, audit, clock, outbound } = dependencies;
  const logger = dependencies.logger.child({ component: 'pay-webhooks' });

  async function recordAttempt(
    message: WebhookMessageRow,
    job: ClaimedJob,
    result: { statusCode: number | null; problem: string | null; durationMs: number; at: string },
  ): Promise<'successful' | 'retrying' | 'failed'> {
    const success = result.problem === null;
    const lastTry = job.attempt >= job.maxAttempts;
    const status = success ? 'successful' : lastTry ? 'failed' : 'pending';
    const retryDelay = WEBHOOK_RETRY_DELAYS_MS[job.attempt - 1];
    const attempt: WebhookAttemptRow = {
      id: generatePayId(),
      message_id: message.id,
      attempt: job.attempt,
      attempted_at: result.at,
      status_code: result.statusCode,
      outcome: success ? 'success' : 'failure',
      problem: result.problem,
      duration_ms: Math.round(result.durationMs),
    };
    await db.transaction().execute(async (transaction) => {
      await store.insertAttempt(transaction, attempt);
      await store.updateMessage(transaction, {
        id: message.id,
        set: {
          status,
          attempts: job.attempt,
          last_status_code: result.statusCode,
          next_attempt_at:
            status === 'pending' && retryDelay !== undefined
              ? new Date(Date.parse(result.at) + retryDelay).toISOString()
              : null,
          updated_at: result.at,
        },
      });
    });
    return success ? 'successful' : lastTry ? 'failed' : 'retrying';
  }

  return {
    async createWebhook(input: {
      accountId: string;
      live: boolean;
      url: string;
      description?: string;
      events: readonly string[];
      actor: string;
      requestId?: string;
      /** More facts for the audit record, such as whose console service it is. */
      auditDetails?: Record<string, string>;
    }): Promise<{ webhook: Webhook; signingSecret: string }> {
      const url = input.url.trim();
      const problem = checkWebhookUrl(url, outbound.policy);
      if (problem) {
        throw new WebhookError(problem, URL_PROBLEM_MESSAGES[problem] ?? 'The callback URL must be a full http or https address (https in production)');
      }
      const events = [...new Set(input.events)];
      if (events.length === 0) throw new WebhookError('MISSING_EVENTS', 'Choose at least one event');
      const unknown = events.filter((event) => !isWebhookEventType(event));
      if (unknown.length > 0) throw new WebhookError('INVALID_EVENTS', `Unknown events: ${unknown.join(', ')}`);
      const description = (input.description ?? '').trim();
      if (description.length > WEBHOOK_DESCRIPTION_LIMIT) {
        throw new WebhookError('INVALID_DESCRIPTION', `The description must be at most ${WEBHOOK_DESCRIPTION_LIMIT} characters`);
      }
      const signingSecret = `webhook_${input.live ? 'live' : 'test'}_${encodeBase32Hex(randomBytes(20), 32)}`;
      const row: WebhookRow = {
        id: generatePayId(),
        account_id: input.accountId,
        live: input.live ? 1 : 0,
        url,
        description,
        signing_secret: signingSecret,
        events: JSON.stringify(events),
        status: 'active',
        created_at: clock().toISOString(),
      };
      await db.transaction().execute(async (transaction) => {
        await store.insertWebhook(transaction, row);
        await audit.record(
          {
            actor: input.actor,
            action: 'pay.webhook.created',
            subject: `pay-account:${input.accountId}`,
            outcome: 'success',
            requestId: input.requestId,
            details: { ...input.auditDetails, webhookId: row.id, live: input.live },
          },
          transaction,
        );
      });
      return { webhook: toWebhook(row), signingSecret };
    },

    async listWebhooks(owner: { accountId: string; live?: boolean }): Promise<Webhook[]> {
      return (await store.listWebhooks(db, owner)).map(toWebhook);
    },

    async findWebhook(owner: { accountId: string; live?: boolean }, id: string): Promise<(Webhook & { signingSecret: string }) | undefined> {
      const row = await store.findWebhook(db, id);
      if (!row || row.account_id !== owner.accountId) return undefined;
      if (owner.live !== undefined && row.live !== (owner.live ? 1 : 0)) return undefined;
      return { ...toWebhook(row), signingSecret: row.signing_secret };
    },

    async setWebhookStatus(input: { accountId: string; id: string; status: 'active' | 'inactive'; actor: string; requestId?: string; auditDetails?: Record<string, string> }): Promise<void> {
      await db.transaction().execute(async (transaction) => {
        const row = await store.findWebhook(transaction, input.id);
        if (!row || row.account_id !== input.accountId) throw new WebhookError('WEBHOOK_NOT_FOUND', 'There is no such webhook');
        await store.setWebhookStatus(transaction, { id: input.id, status: input.status });
        await audit.record(
          {
            actor: input.actor,
            action: input.status === 'active' ? 'pay.webhook.activated' : 'pay.webhook.deactivated',
            subject: `pay-account:${input.accountId}`,
            outcome: 'success',
            requestId: input.requestId,
            details: { ...input.auditDetails, webhookId: input.id },
          },
          transaction,
        );
      });
    },

    async listMessages(query: { webhookId: string; status?: 'pending' | 'successful' | 'failed'; limit?: number; offset?: number }) {
      return store.listMessages(db, {
        webhookId: query.webhookId,
        status: query.status,
        limit: query.limit ?? 50,
        offset: query.offset ?? 0,
      });
    },

    async findMessage(webhookId: string, messageId: string): Promise<{ message: WebhookMessageRow; attempts: WebhookAttemptRow[] } | undefined> {
      const message = await store.findMessage(db, messageId);
      if (!message || message.webhook_id !== webhookId) return undefined;
      return { message, attempts: await store.listAttempts(db, messageId) };
    },

    /**
     * Queues the event for every active webhook of the account that subscribed to it. Call it in
     * the transaction that made the change, so a message exists if, and only if, the change does.
     */
    async enqueueEvent(
      transaction: Executor,
      event: { accountId: string; live: boolean; eventType: WebhookEventType; resource: PaymentJson },
    ): Promise<number> {
      const webhooks = (await store.listActive(transaction, { accountId: event.accountId, live: event.live })).filter(
        (webhook) => (JSON.parse(webhook.events) as string[]).includes(event.eventType),
      );
      const now = clock().toISOString();
      for (const webhook of webhooks) {
        const id = generatePayId();
        const body = JSON.stringify({
          webhook_message_id: id,
          api_version: 1,
          created_date: now,
          resource_id: event.resource.payment_id,
          resource_type: 'payment',
          event_type: event.eventType,
          resource: event.resource,
        });
        await store.insertMessage(transaction, {
          id,
          webhook_id: webhook.id,
          event_type: event.eventType,
          resource_id: event.resource.payment_id,
          body,
          status: 'pending',
          attempts: 0,
          last_status_code: null,
          next_attempt_at: now,
          created_at: now,
          updated_at: now,
        });
        await jobs.enqueue(transaction, {
          type: DELIVER_WEBHOOK_JOB,
          payload: { messageId: id },
          maxAttempts: WEBHOOK_RETRY_DELAYS_MS.length + 1,
        });
      }
      return webhooks.length;
    },

    /**
     * One delivery attempt: POSTs the message with its `Pay-Signature`. Throws when the service
     * did not answer 2xx, so the job queue tries again on the retry schedule.
     */
    async deliver(job: ClaimedJob): Promise<void> {
      const messageId = String(job.payload.messageId);
      const message = await store.findMessage(db, messageId);
      if (!message || message.status !== 'pending') return;
      const webhook = await store.findWebhook(db, message.webhook_id);
      if (!webhook || webhook.status !== 'active') {
        await store.updateMessage(db, { id: message.id, set: { status: 'failed', next_attempt_at: null, updated_at: clock().toISOString() } });
        return;
      }
      const at = clock().toISOString();
      const started = performance.now();
      let statusCode: number | null = null;
      let problem: string | null = null;
      try {
        const response = await outbound.send({
          url: webhook.url,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'pay-signature': signWebhookBody(message.body, webhook.signing_secret),
            'user-agent': 'Civitas-Pay-Webhooks/1',
          },
          body: message.body,
          timeoutMs: DELIVERY_TIMEOUT_MS,
          maxResponseBytes: RESPONSE_LIMIT_BYTES,
        });
        statusCode = response.status;
        if (statusCode < 200 || statusCode > 299) problem = `HTTP ${statusCode}`;
      } catch (error) {
        if (!(error instanceof OutboundRequestError)) throw error;
        problem = describeDeliveryProblem(error);
      }
      const outcome = await recordAttempt(message, job, { statusCode, problem, durationMs: performance.now() - started, at });
      if (outcome !== 'successful') {
        logger.info({ messageId: message.id, attempt: job.attempt, outcome }, 'webhook delivery failed');
        if (outcome === 'retrying') throw new Error(`webhook delivery failed: ${problem}`);
      }
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

/** What a team sees beside a failed attempt. */
function describeDeliveryProblem(error: OutboundRequestError): string {
  if (error.kind === 'timeout') return 'timed out';
  if (error.kind === 'network') return 'could not connect';
  return `address refused: ${error.message}`;
}
