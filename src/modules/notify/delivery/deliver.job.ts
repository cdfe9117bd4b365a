import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../../../platform/db/database-unavailable.ts';
import type { ClaimedJob } from '../../../platform/jobs/job-queue.ts';
import type { JobHandler, JobRunContext } from '../../../platform/jobs/job-worker.ts';
import type { MailTransport } from '../../../platform/mail/mail-transport.ts';
import { enqueueDeliveryCallback } from '../callbacks/callback.job.ts';
import type { NotifyCore } from '../notify.core.ts';
import type { NotificationRow, NotificationStatus } from '../notifications/notification.store.ts';
import type { ServiceRow } from '../services/service.store.ts';
import { renderEmail } from '../templates/render-email.ts';
import { LetterTooLongError } from '../templates/render-letter.ts';
import { prepareSmsText } from '../templates/sms-length.ts';
import { createDeliveryStore } from './delivery.store.ts';
import { renderTemplatedLetterPdf, type PrintProvider } from './providers/print-provider.ts';
import { SmsNotTakenError, SmsRejectedError, SmsUnavailableError, type SmsProvider } from './providers/sms-provider.ts';

/** Notify's simulated recipients for test keys: the status each one ends in. */
const SIMULATED_OUTCOMES: ReadonlyMap<string, NotificationStatus> = new Map([
  ['temp-fail@simulator.notify', 'temporary-failure'],
  ['perm-fail@simulator.notify', 'permanent-failure'],
  ['447700900003', 'temporary-failure'],
  ['447700900002', 'permanent-failure'],
]);

function simulatedOutcome(notification: NotificationRow): NotificationStatus {
  const recipient = notification.recipient.trim().toLowerCase();
  const digits = recipient.replace(/\D/g, '').replace(/^0/, '44');
  return SIMULATED_OUTCOMES.get(recipient) ?? SIMULATED_OUTCOMES.get(digits) ?? 'delivered';
}

/** A refusal for good from the SMTP server (5xx), as opposed to one worth trying again. */
function isPermanentSmtpRefusal(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** Failures to reach the provider at all: nothing was handed over. */
const UNREACHED_CODES = new Set(['ECONNECTION', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EDNS']);

/**
 * Whether a failed hand-over surely left the message with Civitas: the provider could not be
 * reached (connection refused, no route, no such host: nodemailer's ECONNECTION, or fetch's
 * cause), or it answered that it would not take it now (an SMTP 4xx, a gateway's 5xx/408/429).
 * A timeout or a session cut mid-message is not: the provider may have the message.
 */
export function wasNotTaken(error: unknown): boolean {
  if (error instanceof SmsNotTakenError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, originalCode, responseCode, cause } = error as { code?: unknown; originalCode?: unknown; responseCode?: unknown; cause?: unknown };
  if (typeof responseCode === 'number' && responseCode >= 400 && responseCode < 500) return true;
  // nodemailer names the step (ESOCKET) and keeps the system's code (ECONNREFUSED) as originalCode.
  const codes = [code, originalCode, (cause as { code?: unknown } | undefined)?.code];
  return codes.some((candidate) => typeof candidate === 'string' && UNREACHED_CODES.has(candidate));
}

/** SMTP 421: the server itself is going away, which says nothing about the recipient. */
const SMTP_SERVICE_UNAVAILABLE = 421;

/**
 * The status of a message no try could hand over, as GOV.UK Notify uses them: `temporary-failure`
 * when the mail server kept deferring this recipient (an SMTP 4xx such as a full mailbox: the
 * recipient's side), `technical-failure` when the fault lay between Civitas and its provider (not
 * reachable, timed out, cut off, an SMS gateway answering 5xx) and for every letter.
 */
export function finalStatusAfterRetries(type: string, error: unknown): NotificationStatus {
  if (type !== 'email') return 'technical-failure';
  const { responseCode } = (typeof error === 'object' && error !== null ? error : {}) as { responseCode?: unknown };
  const recipientDeferred = typeof responseCode === 'number' && responseCode >= 400 && responseCode < 500 && responseCode !== SMTP_SERVICE_UNAVAILABLE;
  return recipientDeferred ? 'temporary-failure' : 'technical-failure';
}

function describeFailure(error: unknown): string {
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  return [typeof code === 'string' ? code : undefined, typeof responseCode === 'number' ? `SMTP ${responseCode}` : undefined]
    .filter(Boolean)
    .join(' ') || (error instanceof Error ? error.name : 'unknown error');
}

type Outcome = { notification: NotificationRow; to: NotificationStatus; service: ServiceRow | undefined; providerReference?: string };

/**
 * Makes the calls that arrive in one turn of the event loop one call with all their inputs: a
 * worker runs many deliveries side by side, and one statement for all of them costs about as
 * much as one for each. `run` answers with one output per input, in order.
 */
function batchPerTurn<Input, Output>(run: (inputs: readonly Input[]) => Promise<Output[]>): (input: Input) => Promise<Output> {
  let waiting: { input: Input; resolve(output: Output): void; reject(error: unknown): void }[] = [];
  async function runWaiting(): Promise<void> {
    const batch = waiting;
    waiting = [];
    try {
      const outputs = await run(batch.map((call) => call.input));
      batch.forEach((call, index) => call.resolve(outputs[index] as Output));
    } catch (error) {
      for (const call of batch) call.reject(error);
    }
  }
  return (input) =>
    new Promise((resolve, reject) => {
      waiting.push({ input, resolve, reject });
      if (waiting.length === 1) setImmediate(() => void runWaiting());
    });
}

/** Longest pause between tries to record an outcome while the database is unavailable. */
const RECORDING_LONGEST_PAUSE_MS = 5000;
/** Tries to record an outcome when run without a lease to say how long the job is held (a test, the CLI). */
const RECORDING_TRIES_WITHOUT_LEASE = 8;

/** 10 s, 20 s, 40 s ... up to 30 minutes between tries. */
export function deliveryRetryDelayMs(attempt: number): number {
  return Math.min(30 * 60 * 1000, 10_000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * Delivers one notification. Safe to run again for the same notification at any point, which
 * is what happens when a worker dies mid-job:
 * 1. a notification already in a final status is left alone (nothing sent twice after success
 *    was recorded);
 * 2. `created` moves to `sending` (a compare-and-set, committed) BEFORE anything leaves;
 * 3. the provider gets it with the notification id as its identity (the email Message-ID
 *    `<id@civitas>`, the SMS gateway's `reference`, the letter's file name);
 * 4. the outcome and the delivery-receipt callback are committed together; a failed attempt the
 *    provider surely did not take (unreachable, or "not now") goes back to `created`, so
 *    `sending` means, as in GOV.UK Notify, that the provider has (or may have) the message.
 * A notification found already `sending` had an attempt whose outcome is unknown (the process
 * died between 2 and 4): it is handed over again with the same identity, so the rare resend is
 * recognisable as the same message.
 */
export function createDeliverHandler(dependencies: {
  core: NotifyCore;
  mail: MailTransport;
  sms: SmsProvider;
  print: PrintProvider;
  logger: Logger;
}): JobHandler {
  const { core, mail, sms, print } = dependencies;
  const { db, stores } = core;
  const logger = dependencies.logger.child({ component: 'notify-delivery' });

  const delivery = createDeliveryStore();

  const claimForDelivery = batchPerTurn(async (ids: readonly string[]) => {
    const now = core.clock().toISOString();
    const claimed = await core.writes.run((transaction) => delivery.claimForDelivery(transaction, { ids, now }));
    const byId = new Map(claimed.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  });

  const moveOn = batchPerTurn(async (outcomes: readonly Outcome[]) => {
    const now = core.clock().toISOString();
    let moves: Array<{ notification: NotificationRow; status: string }> = [];
    await core.writes.run(async (transaction) => {
      // Run again alone if the shared transaction failed: count only the run that committed.
      moves = [];
      const groups = Map.groupBy(outcomes, (outcome) => `${outcome.to} ${outcome.providerReference ?? ''}`);
      for (const group of groups.values()) {
        const { to, providerReference } = group[0] as Outcome;
        const final = to !== 'sending' && to !== 'pending';
        const ids = group.map((outcome) => outcome.notification.id);
        const moved = new Set(await delivery.moveOn(transaction, { ids, to, now, completed: final, providerReference }));
        for (const { notification } of group) if (moved.has(notification.id)) moves.push({ notification, status: to });
        for (const { notification, service } of group) {
          if (final && moved.has(notification.id) && service?.delivery_callback_url) {
            await enqueueDeliveryCallback(core, transaction, { notificationId: notification.id, serviceId: notification.service_id, status: to });
          }
        }
      }
    });
    for (const move of moves) core.countDelivery(move.notification, move.status);
    return outcomes.map(() => undefined);
  });

  function finish(
    notification: NotificationRow,
    to: NotificationStatus,
    service: ServiceRow | undefined,
    extra: { providerReference?: string } = {},
  ): Promise<void> {
    return moveOn({ notification, to, service, providerReference: extra.providerReference });
  }

  /**
   * Records what the provider did with a message it was handed. The provider has it now: if the
   * database is unavailable at this moment (cut, restarting, full), failing the job would hand
   * it over again on the next try, so the outcome is recorded as soon as the database is back,
   * for as long as the job's lease holds (then the next claim hands it over again, with the same
   * identity, as after a crash).
   */
  async function recordHandedOver(
    notification: NotificationRow,
    outcome: { status: NotificationStatus; providerReference?: string },
    service: ServiceRow | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        await finish(notification, outcome.status, service, { providerReference: outcome.providerReference });
        if (tries > 1) logger.info({ notificationId: notification.id, tries }, 'delivery outcome recorded once the database was back');
        return;
      } catch (error) {
        const giveUp = !isDatabaseUnavailable(error) || signal?.aborted || (!signal && tries >= RECORDING_TRIES_WITHOUT_LEASE);
        if (giveUp) throw error;
        if (tries === 1) logger.warn({ notificationId: notification.id }, 'handed over, but the database is unavailable: recording the outcome again shortly');
        await sleep(Math.min(RECORDING_LONGEST_PAUSE_MS, 100 * 2 ** tries), undefined, { signal }).catch(() => {});
      }
    }
  }

  async function handOver(notification: NotificationRow, service: ServiceRow | undefined): Promise<{ status: NotificationStatus; providerReference?: string }> {
    switch (notification.type) {
      case 'email': {
        const rendered = renderEmail({ subject: notification.subject ?? '', body: notification.body }, { serviceName: service?.name ?? 'Civitas' });
        const headers: Record<string, string> = {};
        if (notification.one_click_unsubscribe_url) {
          headers['List-Unsubscribe'] = `<${notification.one_click_unsubscribe_url}>`;
          headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
        }
        await mail.send({
          to: notification.recipient,
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          messageId: notification.id,
          replyTo: notification.reply_to ?? undefined,
          // People see which service wrote to them; the platform's own messages keep MAIL_FROM's name.
          senderName: service && !service.system_key ? service.name : undefined,
          headers,
        });
        return { status: 'delivered' };
      }
      case 'sms': {
        const result = await sms.send({
          reference: notification.id,
          to: notification.recipient,
          body: prepareSmsText(notification.body),
          sender: notification.sender ?? service?.sms_sender ?? 'Civitas',
        });
        return { status: result.status, providerReference: result.providerReference };
      }
      case 'letter': {
        let pdf: Buffer;
        if (notification.precompiled) {
          const stored = await stores.notifications.findLetterPdf(db, notification.id);
          if (!stored) return { status: 'technical-failure' };
          pdf = Buffer.from(stored, 'base64');
        } else {
          const version = notification.template_id
            ? await stores.templates.findVersion(db, notification.template_id, notification.template_version ?? 1)
            : undefined;
          pdf = await renderTemplatedLetterPdf(notification, version?.letter_contact_block ?? null);
        }
        await print.send({ id: notification.id, postage: notification.postage ?? 'second', pdf });
        return { status: 'delivered' };
      }
    }
  }

  return {
    retryDelayMs: deliveryRetryDelayMs,
    async run(job: ClaimedJob, context?: JobRunContext) {
      // Claim it for this attempt: only a notification still created (or sending, outcome
      // unknown) moves; one gone (retention ran) or finished is left alone and never sent twice.
      const notification = await claimForDelivery(String(job.payload.notificationId));
      if (!notification) return;
      const service = await core.caches.services.get(notification.service_id, () => stores.services.findService(db, notification.service_id));

      if (notification.key_type === 'test') {
        await finish(notification, simulatedOutcome(notification), service);
        return;
      }
      if (notification.delivery_attempts > 1) {
        logger.warn({ notificationId: notification.id, attempt: notification.delivery_attempts }, 'handing over again with the same identity (earlier attempt failed or its outcome is unknown)');
      }

      let outcome: { status: NotificationStatus; providerReference?: string };
      try {
        outcome = await handOver(notification, service);
      } catch (error) {
        if (error instanceof SmsUnavailableError) {
          logger.error({ notificationId: notification.id }, 'no SMS provider: text message not sent');
          await finish(notification, 'technical-failure', service);
          return;
        }
        // Longer than Notify prints (10 pages): refused for good, as GOV.UK Notify marks it.
        if (error instanceof LetterTooLongError) {
          logger.info({ notificationId: notification.id }, 'letter too long to print');
          await finish(notification, 'validation-failed', service);
          return;
        }
        const permanent = isPermanentSmtpRefusal(error) || error instanceof SmsRejectedError;
        if (permanent) {
          logger.info({ notificationId: notification.id, type: notification.type }, 'delivery refused for good');
          await finish(notification, 'permanent-failure', service);
          return;
        }
        // Our own database failing is not the delivery's failure: the job tries again, the try given back.
        if (error instanceof DatabaseUnavailableError) throw error;
        if (job.attempt >= job.maxAttempts) {
          logger.warn({ notificationId: notification.id, type: notification.type }, 'delivery gave up after every retry');
          await finish(notification, finalStatusAfterRetries(notification.type, error), service);
          return;
        }
        // Not with the provider: `created` again until a try hands it over, as Notify shows it.
        if (wasNotTaken(error)) {
          await core.writes.run((transaction) => delivery.releaseUntaken(transaction, { id: notification.id, now: core.clock().toISOString() }));
        }
        // The job's error is kept in the queue: give the kind of failure, never the address.
        throw new Error(`${notification.type} hand-over failed: ${describeFailure(error)}`);
      }
      await recordHandedOver(notification, outcome, service, context?.signal);
    },
  };
}
