import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { ServiceEventRow, ServiceEventStore } from './service-event.store.ts';

/** Every event a module may record: `module.thing.happened`. Nothing else is stored. */
export const SERVICE_EVENT_TYPES = [
  'identity.sign-in.started',
  'identity.sign-in.completed',
  'notify.notification.sent',
  'notify.notification.delivered',
  'notify.notification.failed',
  'pay.payment.created',
  'pay.payment.succeeded',
  'pay.payment.failed',
  'pay.payment.abandoned',
  'forms.form.started',
  'forms.page.reached',
  'forms.form.submitted',
  'guidance.question.answered',
  'guidance.question.refused',
  'guidance.feedback.given',
] as const;

export type ServiceEventType = (typeof SERVICE_EVENT_TYPES)[number];

/**
 * What an event is counted against: a component the console links to its service, by its own
 * module's id, or one of the platform's own services that belongs to no team (`platform:assistant`).
 */
export const SERVICE_EVENT_SERVICE_KINDS = ['identity-client', 'notify-service', 'pay-account', 'console-service', 'platform'] as const;

export type ServiceEvent = {
  /** `<kind>:<id>`, such as `notify-service:0193...`. */
  service: string;
  type: ServiceEventType;
  /**
   * The journey the event belongs to, by an id the platform made (a notification's, a
   * payment's, a sign-in's): 16 to 64 letters, digits, `-` or `_`, never digits alone (a card
   * or phone number), never anything a person typed.
   */
  journeyId: string;
  /** Where in the journey (a form's page), as a short slug. */
  step?: string;
  at?: Date;
};

export class ServiceEventRefusedError extends Error {
  readonly code = 'platform.SERVICE_EVENT_REFUSED';
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(SERVICE_EVENT_TYPES);
const SERVICE_PATTERN = new RegExp(`^(${SERVICE_EVENT_SERVICE_KINDS.join('|')}):[A-Za-z0-9_.-]{1,100}$`);
const JOURNEY_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const ALL_DIGITS = /^[0-9]+$/;
const STEP_PATTERN = /^[a-z0-9-]{1,64}$/;

/** Events kept in memory while the database is out of reach; past this, new ones are dropped (and counted). */
export const MAX_BUFFERED_EVENTS = 50_000;
const FLUSH_AT = 1_000;
const FLUSH_INTERVAL_MS = 1_000;

function toRow(event: ServiceEvent, now: Date): ServiceEventRow {
  if (!KNOWN_TYPES.has(event.type)) throw new ServiceEventRefusedError('unknown service event type');
  if (!SERVICE_PATTERN.test(event.service)) throw new ServiceEventRefusedError('service event names no known service');
  if (!JOURNEY_ID_PATTERN.test(event.journeyId) || ALL_DIGITS.test(event.journeyId)) {
    throw new ServiceEventRefusedError('service event journey id is not an opaque id');
  }
  if (event.step !== undefined && !STEP_PATTERN.test(event.step)) throw new ServiceEventRefusedError('service event step is not a slug');
  const at = event.at ?? now;
  if (Number.isNaN(at.getTime())) throw new ServiceEventRefusedError('service event time is not a time');
  return { service: event.service, type: event.type, journey_id: event.journeyId, step: event.step ?? null, occurred_at: at.toISOString() };
}

/**
 * Service-level events for Insight, recorded without slowing the request that causes them:
 * `record` checks the event and keeps it in memory; a batch is written once 1,000 are waiting
 * or a second has passed, and whatever is left on `close`. So a process killed with `kill -9`
 * loses up to a second of its events, and a database outage longer than the buffer holds
 * (50,000 events) loses the newest past that, counted in civitas_service_events_dropped_total.
 * Counts are statistics, not records of anything a person did: the audit trail and each
 * module's own tables remain the record.
 */
export function createServiceEvents(dependencies: {
  db: Database;
  store: ServiceEventStore;
  logger: Logger;
  clock?: () => Date;
  onDropped?(count: number): void;
}) {
  const { db, store, logger } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  let buffer: ServiceEventRow[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;

  async function write(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer;
      buffer = [];
      try {
        await db.transaction().execute((transaction) => store.insertMany(transaction, batch));
      } catch (error) {
        const room = Math.max(0, MAX_BUFFERED_EVENTS - buffer.length);
        const kept = batch.slice(0, room);
        if (batch.length > kept.length) dependencies.onDropped?.(batch.length - kept.length);
        buffer = [...kept, ...buffer];
        logger.warn({ err: error, waiting: buffer.length }, 'service events not written; retrying');
        schedule();
        return;
      }
    }
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    writing ??= write().finally(() => {
      writing = undefined;
    });
    return writing;
  }

  async function flushAll(): Promise<void> {
    if (writing) await writing;
    await flush();
  }

  function schedule(): void {
    if (timer) return;
    timer = setTimeout(() => void flush(), FLUSH_INTERVAL_MS);
    timer.unref();
  }

  return {
    /** Checks the event (throws ServiceEventRefusedError) and queues it for the next batch. */
    record(event: ServiceEvent): void {
      const row = toRow(event, clock());
      if (buffer.length >= MAX_BUFFERED_EVENTS) {
        dependencies.onDropped?.(1);
        return;
      }
      buffer.push(row);
      if (buffer.length >= FLUSH_AT && !writing) void flush();
      else schedule();
    },

    /** Writes every event recorded so far in this process (waiting for a write under way). */
    flush: flushAll,

    /** Counts events in [from, to) per day or per hour (see ServiceEventStore). */
    countByPeriod: (range: Parameters<ServiceEventStore['countByPeriod']>[1]) => store.countByPeriod(db, range),

    /** The counts the aggregation job keeps per day, or per hour for the last 7 days: what dashboards read. */
    readAggregates: (range: Parameters<ServiceEventStore['readAggregates']>[1]) => store.readAggregates(db, range),

    /** Deletes the raw events that occurred before `before`; returns how many. */
    deleteBefore: (before: Date) => store.deleteBefore(db, before.toISOString()),

    /** Writes what is waiting; a write that fails now loses it (logged, and counted as dropped). */
    async close(): Promise<void> {
      await flushAll();
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (buffer.length > 0) dependencies.onDropped?.(buffer.length);
      buffer = [];
    },
  };
}

export type ServiceEvents = ReturnType<typeof createServiceEvents>;
/** What a module needs to record events, and nothing more. */
export type ServiceEventRecorder = Pick<ServiceEvents, 'record'>;
