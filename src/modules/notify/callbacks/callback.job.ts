import type { Logger } from 'pino';
import type { Executor } from '../../../platform/db/database.ts';
import type { ClaimedJob } from '../../../platform/jobs/job-queue.ts';
import type { JobHandler } from '../../../platform/jobs/job-worker.ts';
import { createOutboundRequester, OutboundRequestError, outboundPolicyOf, type OutboundRequester } from '../../../platform/net/outbound-request.ts';
import type { NotifyCore } from '../notify.core.ts';
import type { NotificationStatus } from '../notifications/notification.store.ts';
import { describeStatus, formatNotifyDate } from '../notifications/notification.view.ts';

export const CALLBACK_JOB = 'notify.callback';
/** As Notify: the first try and 5 retries, 5 minutes apart. */
export const CALLBACK_MAX_ATTEMPTS = 6;
export const CALLBACK_RETRY_DELAY_MS = 5 * 60 * 1000;
const CALLBACK_TIMEOUT_MS = 5000;
/** Only the status matters; a service's answer is not kept. */
const RESPONSE_LIMIT_BYTES = 1024;

type CallbackPayload =
  | { kind: 'delivery'; notificationId: string; serviceId: string; status: NotificationStatus }
  | { kind: 'inbound'; receivedTextId: string; serviceId: string };

/** Queues the delivery receipt in the caller's transaction, if the service has asked for them. */
export async function enqueueDeliveryCallback(
  core: NotifyCore,
  transaction: Executor,
  receipt: { notificationId: string; serviceId: string; status: NotificationStatus },
): Promise<void> {
  const service = await core.stores.services.findService(transaction, receipt.serviceId);
  if (!service?.delivery_callback_url) return;
  const payload: CallbackPayload = { kind: 'delivery', ...receipt };
  await core.jobs.enqueue(transaction, { type: CALLBACK_JOB, payload, maxAttempts: CALLBACK_MAX_ATTEMPTS, group: payload.serviceId });
}

export async function enqueueInboundCallback(core: NotifyCore, transaction: Executor, text: { receivedTextId: string; serviceId: string }): Promise<void> {
  const service = await core.stores.services.findService(transaction, text.serviceId);
  if (!service?.inbound_callback_url) return;
  const payload: CallbackPayload = { kind: 'inbound', ...text };
  await core.jobs.enqueue(transaction, { type: CALLBACK_JOB, payload, maxAttempts: CALLBACK_MAX_ATTEMPTS, group: payload.serviceId });
}

class CallbackRetryableError extends Error {}

/**
 * POSTs a delivery receipt or an inbound text message to the service's callback URL with its
 * bearer token, as Notify does: 5-second timeout; retried on a network error, a 5xx or a 429
 * (5 retries, 5 minutes apart); any other answer ends it. An address that is not public is
 * refused, and retried on the same schedule. The payload is read when the call is made, so the
 * job itself holds no personal data.
 */
export function createCallbackHandler(dependencies: { core: NotifyCore; logger: Logger; retryDelayMs?: number; outbound?: OutboundRequester }): JobHandler {
  const { core } = dependencies;
  const outbound = dependencies.outbound ?? createOutboundRequester(outboundPolicyOf(core.config));
  const logger = dependencies.logger.child({ component: 'notify-callbacks' });
  const retryDelayMs = dependencies.retryDelayMs ?? CALLBACK_RETRY_DELAY_MS;

  async function buildRequest(payload: CallbackPayload): Promise<{ url: string; token: string; body: Record<string, unknown> } | undefined> {
    const service = await core.stores.services.findService(core.db, payload.serviceId);
    if (!service) return undefined;
    if (payload.kind === 'delivery') {
      if (!service.delivery_callback_url || !service.delivery_callback_token) return undefined;
      const notification = await core.stores.notifications.find(core.db, payload.notificationId);
      if (!notification) return undefined;
      return {
        url: service.delivery_callback_url,
        token: core.serviceAdmin.openCallbackToken(service.delivery_callback_token),
        body: {
          id: notification.id,
          reference: notification.reference,
          to: notification.recipient,
          status: describeStatus({ type: notification.type, status: payload.status }),
          created_at: formatNotifyDate(notification.created_at),
          completed_at: formatNotifyDate(notification.completed_at),
          sent_at: formatNotifyDate(notification.sent_at),
          notification_type: notification.type,
          template_id: notification.template_id,
          template_version: notification.template_version,
        },
      };
    }
    if (!service.inbound_callback_url || !service.inbound_callback_token) return undefined;
    const text = await core.stores.notifications.findReceivedText(core.db, payload.receivedTextId);
    if (!text) return undefined;
    return {
      url: service.inbound_callback_url,
      token: core.serviceAdmin.openCallbackToken(service.inbound_callback_token),
      body: {
        id: text.id,
        source_number: text.user_number,
        destination_number: text.notify_number,
        message: text.content,
        date_received: formatNotifyDate(text.created_at),
      },
    };
  }

  return {
    retryDelayMs: () => retryDelayMs,
    async run(job: ClaimedJob) {
      const payload = job.payload as unknown as CallbackPayload;
      const request = await buildRequest(payload);
      if (!request) return;
      let status: number;
      try {
        const response = await outbound.send({
          url: request.url,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${request.token}` },
          body: JSON.stringify(request.body),
          timeoutMs: CALLBACK_TIMEOUT_MS,
          maxResponseBytes: RESPONSE_LIMIT_BYTES,
        });
        status = response.status;
      } catch (error) {
        if (!(error instanceof OutboundRequestError)) throw error;
        const failure = { serviceId: payload.serviceId, kind: payload.kind, attempt: job.attempt, problem: error.kind };
        if (error.kind === 'refused-address') logger.warn({ ...failure, reason: error.message }, 'callback address refused: not a public address');
        if (job.attempt >= job.maxAttempts) logger.warn(failure, 'callback gave up after every retry');
        throw new CallbackRetryableError(`callback failed: ${error.kind}: ${error.message}`);
      }
      if (status >= 200 && status < 300) return;
      if (status >= 500 || status === 429) {
        throw new CallbackRetryableError(`callback answered HTTP ${status}`);
      }
      logger.info({ serviceId: payload.serviceId, kind: payload.kind, status }, 'callback refused; not retried');
    },
  };
}
