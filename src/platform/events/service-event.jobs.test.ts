import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { createServiceEventStore } from './service-event.store.ts';
import {
  AGGREGATE_SERVICE_EVENTS_JOB,
  aggregateServiceEvents,
  createServiceEventJobs,
  deleteExpiredServiceEvents,
  SERVICE_EVENT_RETENTION_JOB,
} from './service-event.jobs.ts';
import type { ServiceEvent } from './service-events.ts';

const store = createServiceEventStore();
const journeyId = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const event = (at: string, overrides: Partial<ServiceEvent> = {}): ServiceEvent => ({
  service: 'notify-service:svc-1',
  type: 'notify.notification.sent',
  journeyId,
  at: new Date(at),
  ...overrides,
});

async function openKernelWith(t: Parameters<typeof createTestKernel>[0], events: ServiceEvent[]) {
  const kernel = await createTestKernel(t, { modules: [] });
  await record(kernel, events);
  return kernel;
}

async function record(kernel: Awaited<ReturnType<typeof createTestKernel>>, events: ServiceEvent[]) {
  for (const one of events) kernel.serviceEvents.record(one);
  await kernel.serviceEvents.flush();
}

const countsOf = (rows: Array<{ period: string; type: string; count: number }>) => rows.map((row) => `${row.period} ${row.type} ${row.count}`);

test('aggregation counts per UTC day and hour, and running it again changes nothing', async (t) => {
  const kernel = await openKernelWith(t, [
    event('2026-12-02T23:59:59.999Z'),
    event('2026-12-03T00:00:00.000Z'),
    event('2026-12-03T00:59:59.999Z'),
    event('2026-12-03T01:00:00.000Z', { type: 'notify.notification.delivered' }),
    event('2026-12-03T09:00:00.000Z', { service: 'console-service:s2', type: 'forms.page.reached', step: 'your-name' }),
  ]);
  const now = new Date('2026-12-03T10:30:00.000Z');
  for (let run = 0; run < 2; run += 1) {
    await aggregateServiceEvents({ db: kernel.db, store, now });
    const days = await store.readAggregates(kernel.db, { from: '2026-12-01', to: '2026-12-05', granularity: 'day' });
    assert.deepEqual(days, [
      { service: 'notify-service:svc-1', type: 'notify.notification.sent', step: '', period: '2026-12-02', count: 1 },
      { service: 'console-service:s2', type: 'forms.page.reached', step: 'your-name', period: '2026-12-03', count: 1 },
      { service: 'notify-service:svc-1', type: 'notify.notification.delivered', step: '', period: '2026-12-03', count: 1 },
      { service: 'notify-service:svc-1', type: 'notify.notification.sent', step: '', period: '2026-12-03', count: 2 },
    ]);
    const hours = await store.readAggregates(kernel.db, { from: '2026-12-02T23', to: '2026-12-03T02', granularity: 'hour', service: 'notify-service:svc-1' });
    assert.deepEqual(countsOf(hours), [
      '2026-12-02T23 notify.notification.sent 1',
      '2026-12-03T00 notify.notification.sent 2',
      '2026-12-03T01 notify.notification.delivered 1',
    ]);
  }
});

test('an event written late, for a period already counted, is counted once when the job runs again', async (t) => {
  const kernel = await openKernelWith(t, [event('2026-12-02T22:00:00.000Z'), event('2026-12-03T08:00:00.000Z')]);
  const now = new Date('2026-12-03T10:00:00.000Z');
  await aggregateServiceEvents({ db: kernel.db, store, now });
  await record(kernel, [event('2026-12-02T22:30:00.000Z')]);
  await aggregateServiceEvents({ db: kernel.db, store, now: new Date('2026-12-03T10:10:00.000Z') });
  await aggregateServiceEvents({ db: kernel.db, store, now: new Date('2026-12-03T10:20:00.000Z') });
  const days = await store.readAggregates(kernel.db, { from: '2026-12-02', to: '2026-12-04', granularity: 'day' });
  assert.deepEqual(countsOf(days), ['2026-12-02 notify.notification.sent 2', '2026-12-03 notify.notification.sent 1']);
  const hours = await store.readAggregates(kernel.db, { from: '2026-12-02T22', to: '2026-12-02T23', granularity: 'hour' });
  assert.deepEqual(countsOf(hours), ['2026-12-02T22 notify.notification.sent 2']);
});

test('the first run counts every day since the earliest event, and hours only for the last 7 days', async (t) => {
  const kernel = await openKernelWith(t, [event('2026-01-15T12:00:00.000Z'), event('2026-11-26T09:00:00.000Z'), event('2026-11-26T11:00:00.000Z')]);
  await aggregateServiceEvents({ db: kernel.db, store, now: new Date('2026-12-03T10:30:00.000Z') });
  const days = await store.readAggregates(kernel.db, { from: '2026-01-01', to: '2027-01-01', granularity: 'day' });
  assert.deepEqual(countsOf(days), ['2026-01-15 notify.notification.sent 1', '2026-11-26 notify.notification.sent 2']);
  const hours = await store.readAggregates(kernel.db, { from: '2026-01-01', to: '2027-01-01', granularity: 'hour' });
  assert.deepEqual(countsOf(hours), ['2026-11-26T11 notify.notification.sent 1']);
});

test('past the first run, an event older than the day before yesterday is left to the raw table (later runs count only recent periods)', async (t) => {
  const kernel = await openKernelWith(t, [event('2026-12-03T08:00:00.000Z')]);
  await aggregateServiceEvents({ db: kernel.db, store, now: new Date('2026-12-03T10:00:00.000Z') });
  await record(kernel, [event('2026-11-20T08:00:00.000Z'), event('2026-12-02T00:00:00.000Z')]);
  const window = await aggregateServiceEvents({ db: kernel.db, store, now: new Date('2026-12-03T10:10:00.000Z') });
  assert.deepEqual(window, { from: '2026-12-02T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' });
  const days = await store.readAggregates(kernel.db, { from: '2026-11-01', to: '2026-12-05', granularity: 'day' });
  assert.deepEqual(countsOf(days), ['2026-12-02 notify.notification.sent 1', '2026-12-03 notify.notification.sent 1']);
});

test('many events in many periods are each counted once', async (t) => {
  const events: ServiceEvent[] = [];
  for (let index = 0; index < 2400; index += 1) {
    events.push(event(new Date(Date.UTC(2026, 11, 2, 0, index)).toISOString(), { service: `pay-account:acct-${index % 3}` }));
  }
  const kernel = await openKernelWith(t, events);
  await aggregateServiceEvents({ db: kernel.db, store, now: new Date('2026-12-03T23:59:59.999Z') });
  await aggregateServiceEvents({ db: kernel.db, store, now: new Date('2026-12-03T23:59:59.999Z') });
  const days = await store.readAggregates(kernel.db, { from: '2026-12-01', to: '2026-12-05', granularity: 'day' });
  const hours = await store.readAggregates(kernel.db, { from: '2026-12-01', to: '2026-12-05', granularity: 'hour' });
  const total = (rows: Array<{ count: number }>) => rows.reduce((sum, row) => sum + row.count, 0);
  assert.equal(total(days), 2400);
  assert.equal(total(hours), 2400);
  assert.equal(hours.length, 40 * 3);
  assert.deepEqual(days.map((row) => `${row.period} ${row.count}`), ['2026-12-02 480', '2026-12-02 480', '2026-12-02 480', '2026-12-03 320', '2026-12-03 320', '2026-12-03 320']);
});

test('retention deletes raw events past 13 months and hourly counts past 7 days, and keeps daily counts', async (t) => {
  const kernel = await openKernelWith(t, [
    event('2025-11-03T10:29:59.999Z'),
    event('2025-11-03T10:30:00.000Z'),
    event('2026-11-26T09:59:59.999Z'),
    event('2026-11-26T10:00:00.000Z'),
  ]);
  const now = new Date('2026-12-03T10:30:00.000Z');
  await aggregateServiceEvents({ db: kernel.db, store, now: new Date('2026-11-27T00:00:00.000Z') });
  const deleted = await deleteExpiredServiceEvents({ db: kernel.db, store, now });
  assert.deepEqual(deleted, { raw: 1, hourly: 1 });
  const raw = await store.countByPeriod(kernel.db, { from: '2000', to: '3000', granularity: 'hour' });
  assert.deepEqual(countsOf(raw).sort(), ['2025-11-03T10 notify.notification.sent 1', '2026-11-26T09 notify.notification.sent 1', '2026-11-26T10 notify.notification.sent 1']);
  const hours = await store.readAggregates(kernel.db, { from: '2000', to: '3000', granularity: 'hour' });
  assert.deepEqual(countsOf(hours), ['2026-11-26T10 notify.notification.sent 1']);
  const days = await store.readAggregates(kernel.db, { from: '2000', to: '3000', granularity: 'day' });
  assert.deepEqual(countsOf(days), ['2025-11-03 notify.notification.sent 2', '2026-11-26 notify.notification.sent 2']);
  assert.deepEqual(await deleteExpiredServiceEvents({ db: kernel.db, store, now }), { raw: 0, hourly: 0 });
});

test('the jobs are booked once however many processes start, and each run books the next', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const bookedAt = new Date();
  let now = bookedAt;
  const jobsOf = () => createServiceEventJobs({ db: kernel.db, store, jobs: kernel.jobs, logger: pino({ level: 'silent' }), clock: () => now });
  const [aggregate, retention] = jobsOf();
  assert.ok(aggregate && retention);
  assert.equal(await aggregate.ensureScheduled(), true);
  assert.equal(await retention.ensureScheduled(), true);
  for (const job of jobsOf()) assert.equal(await job.ensureScheduled(), false);
  await kernel.scheduleRecurringJobs();
  const queued = await kernel.jobs.list({ status: 'pending' });
  assert.deepEqual(queued.map((job) => job.type).sort(), [AGGREGATE_SERVICE_EVENTS_JOB, SERVICE_EVENT_RETENTION_JOB]);
  const booked = queued.find((job) => job.type === AGGREGATE_SERVICE_EVENTS_JOB);
  assert.ok(booked);

  const claimed = { id: booked.id, type: booked.type, payload: { scheduledFor: now.toISOString() }, attempt: 1, maxAttempts: 3, leaseToken: 'test' };
  now = new Date(bookedAt.getTime() + 5000);
  await aggregate.handler.run(claimed);
  // attacker: the same run replayed (a lease lost and the job run again) starts no second chain
  await aggregate.handler.run(claimed);
  const after = await kernel.jobs.list({ status: 'pending' });
  const aggregations = after.filter((job) => job.type === AGGREGATE_SERVICE_EVENTS_JOB).map((job) => job.runAt);
  assert.deepEqual(aggregations.sort(), [bookedAt.toISOString(), new Date(now.getTime() + 10 * 60 * 1000).toISOString()]);
});

test('the kernel worker runs the jobs: events recorded become counts', async (t) => {
  const kernel = await openKernelWith(t, [event(new Date().toISOString())]);
  await kernel.scheduleRecurringJobs();
  const worker = kernel.createWorker({ pollIntervalMs: 20 });
  worker.start();
  t.after(() => worker.stop());
  const today = new Date().toISOString().slice(0, 10);
  for (;;) {
    const days = await kernel.serviceEvents.readAggregates({ from: today, to: '9999', granularity: 'day' });
    if (days.length > 0) {
      assert.equal(days[0]?.count, 1);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});
