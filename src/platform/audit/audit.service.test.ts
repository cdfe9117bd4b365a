import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { pino } from 'pino';
import { openKernel, type Kernel } from '../kernel.ts';
import { testDatabaseKind } from '../testing/test-database.ts';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { computeAuditEventHash, createAuditService, type AuditEvent } from './audit.service.ts';
import { createAuditStore, type AuditEventRow } from './audit.store.ts';

function describeEvent(n: number): AuditEvent {
  return {
    actor: `user:${n}`,
    action: 'identity.password.changed',
    subject: `user:${n}`,
    outcome: 'success',
    requestId: `request-${n}`,
    details: { attempt: n, method: 'email' },
  };
}

/** Records `count` events one after another, numbered from 1. */
async function recordEvents(kernel: Kernel, count: number) {
  const recorded = [];
  for (let n = 1; n <= count; n += 1) recorded.push(await kernel.audit.record(describeEvent(n)));
  return recorded;
}

async function readRows(kernel: Kernel): Promise<AuditEventRow[]> {
  const { rows } = await sql<AuditEventRow>`select * from audit_event order by sequence`.execute(kernel.db);
  return rows;
}

async function readRow(kernel: Kernel, sequence: number): Promise<AuditEventRow> {
  const { rows } = await sql<AuditEventRow>`select * from audit_event where sequence = ${sequence}`.execute(
    kernel.db,
  );
  assert.ok(rows[0], `event ${sequence} exists`);
  return rows[0];
}

/** Writes a row straight into the table, as an attacker with database access would. */
async function insertRow(kernel: Kernel, row: AuditEventRow): Promise<void> {
  await sql`insert into audit_event (sequence, id, occurred_at, actor, action, subject, outcome, request_id, details, previous_hash, hash)
    values (${row.sequence}, ${row.id}, ${row.occurred_at}, ${row.actor}, ${row.action}, ${row.subject}, ${row.outcome},
      ${row.request_id}, ${row.details}, ${row.previous_hash}, ${row.hash})`.execute(kernel.db);
}

/** Moves events to new sequence numbers in one go, through numbers no event uses. */
async function renumberEvents(kernel: Kernel, moves: ReadonlyArray<[from: number, to: number]>): Promise<void> {
  const parking = 1_000_000;
  for (const [from] of moves) {
    await sql`update audit_event set sequence = ${parking + from} where sequence = ${from}`.execute(kernel.db);
  }
  for (const [from, to] of moves) {
    await sql`update audit_event set sequence = ${to} where sequence = ${parking + from}`.execute(kernel.db);
  }
}

function assertBrokenAt(
  verification: Awaited<ReturnType<Kernel['audit']['verify']>>,
  expected: { sequence: number; id: string; reason: RegExp; eventCount?: number },
) {
  assert.equal(verification.intact, false, 'the trail is reported broken');
  if (verification.intact) return;
  assert.equal(verification.sequence, expected.sequence);
  assert.equal(verification.id, expected.id);
  assert.match(verification.reason, expected.reason);
  const eventCount = expected.eventCount ?? expected.sequence - 1;
  assert.equal(verification.eventCount, eventCount, 'the events before it were checked and intact');
}

// --- recording ----------------------------------------------------------------------------

test('record stores every field and listRecent returns the newest first, by subject if asked', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });

  const first = await kernel.audit.record(describeEvent(1));
  const second = await kernel.audit.record({
    actor: 'system',
    action: 'notify.email.sent',
    subject: 'notification:42',
    outcome: 'failure',
  });
  const third = await kernel.audit.record(describeEvent(3));

  assert.deepEqual(first, {
    id: first.id,
    sequence: 1,
    occurredAt: first.occurredAt,
    ...describeEvent(1),
  });
  assert.match(first.id, /^[0-9a-f-]{36}$/);
  assert.equal(new Date(first.occurredAt).toISOString(), first.occurredAt, 'an ISO-8601 UTC time');
  assert.equal(second.sequence, 2);
  assert.equal('requestId' in second, false, 'no request id when none was given');
  assert.deepEqual(second.details, {});

  const recent = await kernel.audit.listRecent();
  assert.deepEqual(recent, [third, second, first], 'newest first, read back exactly as recorded');

  assert.deepEqual(await kernel.audit.listRecent({ limit: 2 }), [third, second]);
  assert.deepEqual(await kernel.audit.listRecent({ subject: 'user:1' }), [first]);
  assert.deepEqual(await kernel.audit.listRecent({ subject: 'user:nobody' }), []);
});

test('an event recorded in a transaction is kept only if the transaction commits', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  await kernel.audit.record(describeEvent(1));

  await assert.rejects(
    kernel.db.transaction().execute(async (transaction) => {
      await kernel.audit.record(describeEvent(2), transaction);
      throw new Error('the action failed after its event was recorded');
    }),
    /the action failed/,
  );
  assert.deepEqual(
    (await kernel.audit.listRecent()).map((event) => event.actor),
    ['user:1'],
    'the rolled-back event is gone',
  );
  assert.deepEqual(await kernel.audit.verify(), { intact: true, eventCount: 1 });

  const committed = await kernel.db
    .transaction()
    .execute((transaction) => kernel.audit.record(describeEvent(3), transaction));
  const after = await kernel.audit.record(describeEvent(4));
  assert.equal(committed.sequence, 2, 'the rolled-back event left no gap');
  assert.equal(after.sequence, 3);
  assert.deepEqual(await kernel.audit.verify(), { intact: true, eventCount: 3 });
});

test('50 events recorded at the same time form one contiguous, intact chain', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });

  const recorded = await Promise.all(
    Array.from({ length: 50 }, (_, index) => kernel.audit.record(describeEvent(index + 1))),
  );

  const sequences = recorded.map((event) => event.sequence).sort((a, b) => a - b);
  assert.deepEqual(sequences, Array.from({ length: 50 }, (_, index) => index + 1));
  assert.deepEqual(await kernel.audit.verify(), { intact: true, eventCount: 50 });
});

test(
  'two kernels with connection pools of their own, recording at the same time, form one intact chain',
  { skip: testDatabaseKind() !== 'postgres' && 'two pools on one database need PostgreSQL' },
  async (t) => {
    const kernel = await createTestKernel(t, { modules: [] });
    const other = openKernel({ config: kernel.config, modules: [], logger: pino({ level: 'silent' }) });
    t.after(() => other.close());

    const recorded = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        (index % 2 === 0 ? kernel : other).audit.record(describeEvent(index + 1)),
      ),
    );

    const sequences = recorded.map((event) => event.sequence).sort((a, b) => a - b);
    assert.deepEqual(sequences, Array.from({ length: 60 }, (_, index) => index + 1));
    assert.deepEqual(await kernel.audit.verify(), { intact: true, eventCount: 60 });
  },
);

const KERNEL_MODULE = fileURLToPath(new URL('../kernel.ts', import.meta.url));
const LOAD_CONFIG_MODULE = fileURLToPath(new URL('../config/load-config.ts', import.meta.url));
const NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));

/** Starts a separate Node.js process that records `count` events, 10 at a time, on `databaseUrl`. */
function recordInAnotherProcess(databaseUrl: string, actor: string, count: number): Promise<void> {
  const script = `
    import { loadConfig } from ${JSON.stringify(LOAD_CONFIG_MODULE)};
    import { openKernel } from ${JSON.stringify(KERNEL_MODULE)};
    const kernel = openKernel({ config: loadConfig().config, modules: [] });
    for (let n = 0; n < ${count}; n += 10) {
      await Promise.all(Array.from({ length: 10 }, () =>
        kernel.audit.record({ actor: ${JSON.stringify(actor)}, action: 'test.event.recorded', subject: 'test', outcome: 'success' })));
    }
    await kernel.close();
  `;
  return new Promise((resolve, reject) => {
    execFile(
      NODE,
      ['--input-type=module', '--eval', script],
      { env: { DATABASE_URL: databaseUrl, NODE_ENV: 'test', LOG_LEVEL: 'silent' } },
      (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
    );
  });
}

test('two processes recording at the same time form one intact chain', async (t: TestContext) => {
  const kernel = await createTestKernel(t, { modules: [] });

  await Promise.all([
    recordInAnotherProcess(kernel.testDatabase.url, 'process:a', 40),
    recordInAnotherProcess(kernel.testDatabase.url, 'process:b', 40),
  ]);

  const rows = await readRows(kernel);
  assert.deepEqual(
    rows.map((row) => row.sequence),
    Array.from({ length: 80 }, (_, index) => index + 1),
  );
  assert.equal(rows.filter((row) => row.actor === 'process:a').length, 40);
  assert.deepEqual(await kernel.audit.verify(), { intact: true, eventCount: 80 });
});

// --- verifying ----------------------------------------------------------------------------

test('verify finds an empty trail and an untouched trail intact', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  assert.deepEqual(await kernel.audit.verify(), { intact: true, eventCount: 0 });

  await recordEvents(kernel, 5);
  assert.deepEqual(await kernel.audit.verify(), { intact: true, eventCount: 5 });
});

test('verify names the event whose field was edited, whichever field it is', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const events = await recordEvents(kernel, 5);
  const original = await readRow(kernel, 3);

  const edits: ReadonlyArray<[column: keyof AuditEventRow, value: string | null, reason: RegExp]> = [
    ['actor', 'user:someone-else', /contents were changed/],
    ['action', 'identity.password.reset', /contents were changed/],
    ['subject', 'user:999', /contents were changed/],
    ['outcome', 'denied', /contents were changed/],
    ['request_id', null, /contents were changed/],
    ['details', '{"attempt":3,"method":"sms"}', /contents were changed/],
    ['occurred_at', '2001-01-01T00:00:00.000Z', /contents were changed/],
    ['id', '00000000-0000-4000-8000-000000000000', /contents were changed/],
    ['hash', 'f'.repeat(64), /contents were changed/],
    ['previous_hash', 'e'.repeat(64), /does not follow/],
  ];
  for (const [column, value, reason] of edits) {
    await sql`update audit_event set ${sql.ref(column)} = ${value} where sequence = 3`.execute(kernel.db);
    const verification = await kernel.audit.verify();
    assertBrokenAt(verification, { sequence: 3, id: column === 'id' ? String(value) : events[2].id, reason });

    await sql`update audit_event set ${sql.ref(column)} = ${original[column]} where sequence = 3`.execute(kernel.db);
    assert.deepEqual(await kernel.audit.verify(), { intact: true, eventCount: 5 }, `${column} restored`);
  }
});

test('verify names the event after a deleted one', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const events = await recordEvents(kernel, 5);

  await sql`delete from audit_event where sequence = 3`.execute(kernel.db);
  assertBrokenAt(await kernel.audit.verify(), {
    sequence: 4,
    id: events[3].id,
    reason: /event 3 is missing/,
    eventCount: 2,
  });

  await sql`delete from audit_event where sequence = 1`.execute(kernel.db);
  assertBrokenAt(await kernel.audit.verify(), {
    sequence: 2,
    id: events[1].id,
    reason: /event 1 is missing/,
    eventCount: 0,
  });

  await sql`delete from audit_event where sequence = 2`.execute(kernel.db);
  assertBrokenAt(await kernel.audit.verify(), {
    sequence: 4,
    id: events[3].id,
    reason: /events 1 to 3 are missing/,
    eventCount: 0,
  });
});

test('verify names the first event out of place when events are reordered', async (t) => {
  await t.test('two neighbours swap sequence numbers', async (t) => {
    const kernel = await createTestKernel(t, { modules: [] });
    const events = await recordEvents(kernel, 5);
    await renumberEvents(kernel, [[2, 3], [3, 2]]);
    assertBrokenAt(await kernel.audit.verify(), { sequence: 2, id: events[2].id, reason: /does not follow/ });
  });

  await t.test('two events far apart swap contents', async (t) => {
    const kernel = await createTestKernel(t, { modules: [] });
    const events = await recordEvents(kernel, 5);
    const [second, fourth] = [await readRow(kernel, 2), await readRow(kernel, 4)];
    await sql`delete from audit_event where sequence in (2, 4)`.execute(kernel.db);
    await insertRow(kernel, { ...fourth, sequence: 2 });
    await insertRow(kernel, { ...second, sequence: 4 });
    assertBrokenAt(await kernel.audit.verify(), { sequence: 2, id: events[3].id, reason: /does not follow/ });
  });

  await t.test('the newest event is moved back between older ones', async (t) => {
    const kernel = await createTestKernel(t, { modules: [] });
    const events = await recordEvents(kernel, 5);
    await renumberEvents(kernel, [[3, 4], [4, 5], [5, 3]]);
    assertBrokenAt(await kernel.audit.verify(), { sequence: 3, id: events[4].id, reason: /does not follow/ });
  });
});

test('verify names a forged event even when its own hash was recomputed', async (t) => {
  await t.test('an edited event with a recomputed hash breaks the link to the next event', async (t) => {
    const kernel = await createTestKernel(t, { modules: [] });
    const events = await recordEvents(kernel, 5);
    const forged = { ...(await readRow(kernel, 3)), actor: 'user:innocent' };
    forged.hash = computeAuditEventHash(forged);
    await sql`update audit_event set actor = ${forged.actor}, hash = ${forged.hash} where sequence = 3`.execute(
      kernel.db,
    );
    assertBrokenAt(await kernel.audit.verify(), { sequence: 4, id: events[3].id, reason: /does not follow/ });
  });

  await t.test('an event appended at the end that does not follow the last one', async (t) => {
    const kernel = await createTestKernel(t, { modules: [] });
    await recordEvents(kernel, 5);
    const forged: AuditEventRow = {
      ...(await readRow(kernel, 5)),
      sequence: 6,
      id: '11111111-1111-4111-8111-111111111111',
      previous_hash: 'a'.repeat(64),
    };
    forged.hash = computeAuditEventHash(forged);
    await insertRow(kernel, forged);
    assertBrokenAt(await kernel.audit.verify(), { sequence: 6, id: forged.id, reason: /does not follow/ });
  });

  await t.test('an event slipped in before the first one', async (t) => {
    const kernel = await createTestKernel(t, { modules: [] });
    await recordEvents(kernel, 3);
    const forged: AuditEventRow = {
      ...(await readRow(kernel, 1)),
      sequence: 0,
      id: '22222222-2222-4222-8222-222222222222',
    };
    forged.hash = computeAuditEventHash(forged);
    await insertRow(kernel, forged);
    const verification = await kernel.audit.verify();
    assert.equal(verification.intact, false, 'the event before the first is found');
    if (verification.intact) return;
    assert.deepEqual(
      { sequence: verification.sequence, id: verification.id, eventCount: verification.eventCount },
      { sequence: 0, id: forged.id, eventCount: 0 },
    );
    assert.match(verification.reason, /before the first event/);
  });
});

test('verify reads a long trail a page at a time and finds a break on either side of a page edge', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const audit = createAuditService({
    db: kernel.db,
    store: createAuditStore(),
    verifyPageSize: 3,
  });
  const events = await recordEvents(kernel, 7);
  assert.deepEqual(await audit.verify(), { intact: true, eventCount: 7 });

  for (const sequence of [3, 4, 6, 7]) {
    const original = await readRow(kernel, sequence);
    await sql`update audit_event set subject = 'user:0' where sequence = ${sequence}`.execute(kernel.db);
    assertBrokenAt(await audit.verify(), { sequence, id: events[sequence - 1].id, reason: /contents were changed/ });
    await sql`update audit_event set subject = ${original.subject} where sequence = ${sequence}`.execute(kernel.db);
  }

  await recordEvents(kernel, 2);
  assert.deepEqual(await audit.verify(), { intact: true, eventCount: 9 }, 'a trail that fills its last page');
});
