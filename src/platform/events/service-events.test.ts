import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { createServiceEventStore } from './service-event.store.ts';
import { createServiceEvents, MAX_BUFFERED_EVENTS, ServiceEventRefusedError, type ServiceEvent } from './service-events.ts';

const journeyId = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const sent = (at: string, overrides: Partial<ServiceEvent> = {}): ServiceEvent => ({
  service: 'notify-service:svc-1',
  type: 'notify.notification.sent',
  journeyId,
  at: new Date(at),
  ...overrides,
});

test('recorded events are written in a batch and counted per day and per hour', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const events = kernel.serviceEvents;
  events.record(sent('2026-12-01T10:15:00.000Z'));
  events.record(sent('2026-12-01T10:45:00.000Z'));
  events.record(sent('2026-12-01T11:05:00.000Z', { type: 'notify.notification.delivered' }));
  events.record(sent('2026-12-02T09:00:00.000Z', { service: 'console-service:s2', type: 'forms.page.reached', step: 'your-name' }));
  await events.flush();

  const days = await events.countByPeriod({ from: '2026-12-01', to: '2026-12-03', granularity: 'day' });
  assert.deepEqual(
    days.sort((a, b) => `${a.period}${a.type}`.localeCompare(`${b.period}${b.type}`)),
    [
      { service: 'notify-service:svc-1', type: 'notify.notification.delivered', step: '', period: '2026-12-01', count: 1 },
      { service: 'notify-service:svc-1', type: 'notify.notification.sent', step: '', period: '2026-12-01', count: 2 },
      { service: 'console-service:s2', type: 'forms.page.reached', step: 'your-name', period: '2026-12-02', count: 1 },
    ],
  );
  const hours = await events.countByPeriod({ from: '2026-12-01T10', to: '2026-12-01T11', granularity: 'hour' });
  assert.deepEqual(hours, [{ service: 'notify-service:svc-1', type: 'notify.notification.sent', step: '', period: '2026-12-01T10', count: 2 }]);
});

test('closing writes what is still buffered', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  kernel.serviceEvents.record(sent('2026-12-01T10:15:00.000Z'));
  await kernel.serviceEvents.close();
  const days = await kernel.serviceEvents.countByPeriod({ from: '2026-12-01', to: '2026-12-02', granularity: 'day' });
  assert.equal(days[0]?.count, 1);
});

test('raw events before a time are deleted, later ones kept', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  kernel.serviceEvents.record(sent('2025-10-01T00:00:00.000Z'));
  kernel.serviceEvents.record(sent('2025-11-01T00:00:00.000Z'));
  await kernel.serviceEvents.flush();
  assert.equal(await kernel.serviceEvents.deleteBefore(new Date('2025-10-15T00:00:00.000Z')), 1);
  const left = await kernel.serviceEvents.countByPeriod({ from: '2025-01-01', to: '2026-01-01', granularity: 'day' });
  assert.deepEqual(left.map((row) => row.period), ['2025-11-01']);
});

test('attacker: anything that could carry personal data or is not in the vocabulary is refused', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const refused: Array<Partial<ServiceEvent> & Record<string, unknown>> = [
    { journeyId: 'someone@example.com' },
    { journeyId: '4444333322221111' },
    { journeyId: '07700900123' },
    { journeyId: 'AB123456C' },
    { journeyId: 'a name with spaces in it' },
    { journeyId: 'x'.repeat(65) },
    { type: 'notify.notification.read' as ServiceEvent['type'] },
    { type: 'identity.user.email-changed' as ServiceEvent['type'] },
    { service: 'svc-1' },
    { service: 'user:someone@example.com' },
    { service: `notify-service:${'a'.repeat(101)}` },
    { step: 'Your Name' },
    { step: 'x'.repeat(65) },
    { at: new Date('not a date') },
  ];
  for (const overrides of refused) {
    assert.throws(() => kernel.serviceEvents.record(sent('2026-12-01T10:00:00.000Z', overrides)), ServiceEventRefusedError, JSON.stringify(overrides));
  }
  await kernel.serviceEvents.flush();
  assert.deepEqual(await kernel.serviceEvents.countByPeriod({ from: '2000', to: '3000', granularity: 'day' }), []);
});

test('attacker: past the buffer while the database is out of reach, events are dropped and counted, never grown without bound', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  let dropped = 0;
  const unreachable = { insertMany: async () => { throw new Error('database unavailable'); } };
  const events = createServiceEvents({
    db: kernel.db,
    store: { ...createServiceEventStore(), ...unreachable },
    logger: pino({ level: 'silent' }),
    onDropped: (count) => { dropped += count; },
  });
  for (let index = 0; index < MAX_BUFFERED_EVENTS + 10; index += 1) events.record(sent('2026-12-01T10:00:00.000Z'));
  await events.flush();
  assert.ok(dropped >= 10);
  await events.close();
  assert.equal(dropped, MAX_BUFFERED_EVENTS + 10);
});
