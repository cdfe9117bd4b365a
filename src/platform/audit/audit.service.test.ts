import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { pino } from 'pino';
import { kernelMigrations, openKernel, type Kernel } from '../kernel.ts';
import { testDatabaseKind } from '../testing/test-database.ts';
import { createTestConfig, createTestKernel } from '../../testing/test-kernel.ts';
import { migrateToLatest } from '../db/migrations.ts';
import { createTestDatabase } from '../testing/test-database.ts';
import { computeAuditEventMac, computeUnkeyedAuditEventHash, GENESIS_HASH } from './audit-event-mac.ts';
import { auditKeyRingOf, deriveAuditKey } from './audit-keys.ts';
import { createAuditService, type AuditEvent, type AuditVerification } from './audit.service.ts';
import { createAuditStore, type AuditEventRow } from './audit.store.ts';
import * as createAuditEvent from './migrations/0001-create-audit-event.ts';

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
  await sql`insert into audit_event (sequence, id, occurred_at, actor, action, subject, outcome, request_id, details, previous_hash, hash, key_id)
    values (${row.sequence}, ${row.id}, ${row.occurred_at}, ${row.actor}, ${row.action}, ${row.subject}, ${row.outcome},
      ${row.request_id}, ${row.details}, ${row.previous_hash}, ${row.hash}, ${row.key_id})`.execute(kernel.db);
}

async function replaceRow(kernel: Kernel, row: AuditEventRow): Promise<void> {
  await sql`delete from audit_event where sequence = ${row.sequence}`.execute(kernel.db);
  await insertRow(kernel, row);
}

/**
 * What an attacker without the key can do: rewrite events `from` to `to` (the newest when
 * unset) as the code before keyed events did, each carrying the SHA-256 of its fields and the
 * hash before it. `change` edits the first.
 */
async function recomputeUnkeyedChain(
  kernel: Kernel,
  range: { from: number; to?: number },
  change: Partial<AuditEventRow> = {},
): Promise<void> {
  const { from } = range;
  const rows = await readRows(kernel);
  let previousHash = from === 1 ? GENESIS_HASH : (rows[from - 2] as AuditEventRow).hash;
  for (const row of rows.slice(from - 1, range.to)) {
    const rewritten = { ...row, ...(row.sequence === from ? change : {}), previous_hash: previousHash, key_id: null };
    rewritten.hash = computeUnkeyedAuditEventHash(rewritten);
    await replaceRow(kernel, rewritten);
    previousHash = rewritten.hash;
  }
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

function assertIntact(verification: AuditVerification, eventCount: number, message?: string) {
  assert.equal(verification.intact, true, `${message ?? 'the trail'} is intact: ${JSON.stringify(verification)}`);
  assert.equal(verification.eventCount, eventCount, message);
}

function assertBrokenAt(
  verification: AuditVerification,
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
  assertIntact(await kernel.audit.verify(), 1);

  const committed = await kernel.db
    .transaction()
    .execute((transaction) => kernel.audit.record(describeEvent(3), transaction));
  const after = await kernel.audit.record(describeEvent(4));
  assert.equal(committed.sequence, 2, 'the rolled-back event left no gap');
  assert.equal(after.sequence, 3);
  assertIntact(await kernel.audit.verify(), 3);
});

test('50 events recorded at the same time form one contiguous, intact chain', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });

  const recorded = await Promise.all(
    Array.from({ length: 50 }, (_, index) => kernel.audit.record(describeEvent(index + 1))),
  );

  const sequences = recorded.map((event) => event.sequence).sort((a, b) => a - b);
  assert.deepEqual(sequences, Array.from({ length: 50 }, (_, index) => index + 1));
  assertIntact(await kernel.audit.verify(), 50);
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
    assertIntact(await kernel.audit.verify(), 60);
  },
);

const KERNEL_MODULE = fileURLToPath(new URL('../kernel.ts', import.meta.url));
const LOAD_CONFIG_MODULE = fileURLToPath(new URL('../config/load-config.ts', import.meta.url));
const NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));

/**
 * Starts a separate Node.js process that records `count` events, 10 at a time, on `databaseUrl`,
 * and checkpoints to `checkpointFile` when it closes.
 */
function recordInAnotherProcess(input: { databaseUrl: string; checkpointFile: string; actor: string; count: number }): Promise<void> {
  const { databaseUrl, checkpointFile, actor, count } = input;
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
      { env: { DATABASE_URL: databaseUrl, AUDIT_CHECKPOINT_FILE: checkpointFile, NODE_ENV: 'test', LOG_LEVEL: 'silent' } },
      (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
    );
  });
}

test('two processes recording at the same time form one intact chain, each checkpointing into one file', async (t: TestContext) => {
  const folder = mkdtempSync(join(tmpdir(), 'civitas-audit-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const checkpointFile = join(folder, 'audit-checkpoints.jsonl');
  const kernel = await createTestKernel(t, { modules: [], environment: { AUDIT_CHECKPOINT_FILE: checkpointFile } });
  const databaseUrl = kernel.testDatabase.url;

  await Promise.all([
    recordInAnotherProcess({ databaseUrl, checkpointFile, actor: 'process:a', count: 40 }),
    recordInAnotherProcess({ databaseUrl, checkpointFile, actor: 'process:b', count: 40 }),
  ]);

  const rows = await readRows(kernel);
  assert.deepEqual(
    rows.map((row) => row.sequence),
    Array.from({ length: 80 }, (_, index) => index + 1),
  );
  assert.equal(rows.filter((row) => row.actor === 'process:a').length, 40);
  const verification = await kernel.audit.verify();
  assertIntact(verification, 80);
  assert.ok(verification.intact);
  assert.equal(verification.checkpointCount, 2, 'one checkpoint from each process as it closed');
  assert.equal(verification.checkpointedTo, 80, 'the process that closed last saw every event');
});

// --- verifying ----------------------------------------------------------------------------

test('verify finds an empty trail and an untouched trail intact', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  assertIntact(await kernel.audit.verify(), 0);

  await recordEvents(kernel, 5);
  assertIntact(await kernel.audit.verify(), 5);
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
    ['key_id', 'AAAAAAAA', /made under key AAAAAAAA, which is none of the audit keys this process knows/],
    ['key_id', null, /carries no key, yet the trail is keyed from event 1: only the events before that may lack one/],
  ];
  for (const [column, value, reason] of edits) {
    await sql`update audit_event set ${sql.ref(column)} = ${value} where sequence = 3`.execute(kernel.db);
    const verification = await kernel.audit.verify();
    assertBrokenAt(verification, { sequence: 3, id: column === 'id' ? String(value) : events[2].id, reason });

    await sql`update audit_event set ${sql.ref(column)} = ${original[column]} where sequence = 3`.execute(kernel.db);
    assertIntact(await kernel.audit.verify(), 5, `${column} restored`);
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

test('verify names what an attacker without the key wrote, however the chain was mended', async (t) => {
  await t.test('an edited event whose hash was recomputed, SHA-256 as the code before keys did', async (t) => {
    const kernel = await createTestKernel(t, { modules: [] });
    const events = await recordEvents(kernel, 5);
    const forged = { ...(await readRow(kernel, 3)), actor: 'user:innocent' };
    forged.hash = computeUnkeyedAuditEventHash(forged);
    await replaceRow(kernel, forged);
    assertBrokenAt(await kernel.audit.verify(), { sequence: 3, id: events[2].id, reason: /contents were changed/ });
  });

  await t.test('the chain recomputed from the edited event on, SHA-256 as the code before keys did', async (t) => {
    const kernel = await createTestKernel(t, { modules: [] });
    const events = await recordEvents(kernel, 5);
    await recomputeUnkeyedChain(kernel, { from: 3 }, { actor: 'user:innocent' });
    assertBrokenAt(await kernel.audit.verify(), { sequence: 3, id: events[2].id, reason: /carries no key, yet the trail is keyed from event 1/ });
  });

  await t.test('the chain recomputed with the key ids kept, and MACs under a key of its own', async (t) => {
    const kernel = await createTestKernel(t, { modules: [] });
    const events = await recordEvents(kernel, 5);
    const attackerKey = { ...deriveAuditKey('an-attacker-guess-at-the-audit-key-000', 'AUDIT_KEY'), id: (await readRow(kernel, 1)).key_id as string };
    let previousHash = (await readRow(kernel, 2)).hash;
    for (const sequence of [3, 4, 5]) {
      const forged = { ...(await readRow(kernel, sequence)), previous_hash: previousHash };
      if (sequence === 3) forged.actor = 'user:innocent';
      forged.hash = computeAuditEventMac(forged, attackerKey);
      await replaceRow(kernel, forged);
      previousHash = forged.hash;
    }
    assertBrokenAt(await kernel.audit.verify(), { sequence: 3, id: events[2].id, reason: /contents were changed/ });
  });

  const appendedAtTheEnd: ReadonlyArray<[what: string, forge: (newest: AuditEventRow) => Partial<AuditEventRow>, reason: RegExp]> = [
    ['an event appended at the end that does not follow the last one', () => ({ previous_hash: 'a'.repeat(64) }), /does not follow/],
    [
      'an unkeyed event appended at the end, following the last one as old events did',
      (newest) => ({ previous_hash: newest.hash, key_id: null }),
      /carries no key, yet the trail is keyed from event 1/,
    ],
  ];
  for (const [what, forge, reason] of appendedAtTheEnd) {
    await t.test(what, async (t) => {
      const kernel = await createTestKernel(t, { modules: [] });
      await recordEvents(kernel, 5);
      const newest = await readRow(kernel, 5);
      const forged: AuditEventRow = { ...newest, sequence: 6, id: '11111111-1111-4111-8111-111111111111', ...forge(newest) };
      if (forged.key_id === null) forged.hash = computeUnkeyedAuditEventHash(forged);
      await insertRow(kernel, forged);
      assertBrokenAt(await kernel.audit.verify(), { sequence: 6, id: forged.id, reason });
    });
  }

  await t.test('an event slipped in before the first one', async (t) => {
    const kernel = await createTestKernel(t, { modules: [] });
    await recordEvents(kernel, 3);
    const forged: AuditEventRow = {
      ...(await readRow(kernel, 1)),
      sequence: 0,
      id: '22222222-2222-4222-8222-222222222222',
      key_id: null,
    };
    forged.hash = computeUnkeyedAuditEventHash(forged);
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

test('every new event is keyed: an HMAC under the current key, named by its key id', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  await recordEvents(kernel, 3);
  const keys = auditKeyRingOf(kernel.config);
  let previousHash = GENESIS_HASH;
  for (const row of await readRows(kernel)) {
    assert.equal(row.key_id, keys.current.id);
    assert.equal(row.previous_hash, previousHash);
    assert.equal(row.hash, computeAuditEventMac(row, keys.current));
    assert.notEqual(row.hash, computeUnkeyedAuditEventHash(row), 'not the hash anyone can compute');
    previousHash = row.hash;
  }
  assert.deepEqual(await kernel.audit.verify(), {
    intact: true,
    eventCount: 3,
    unkeyedEventCount: 0,
    keyedFrom: 1,
    keys: [{ keyId: keys.current.id, source: 'ENCRYPTION_KEY', firstSequence: 1, lastSequence: 3 }],
    checkpointCount: 0,
    checkpointedTo: null,
    checkpointFiles: [],
  });
});

test('a trail from before keys keeps its unkeyed events, sealed by the first keyed event after the upgrade', async (t) => {
  const database = await createTestDatabase();
  const config = createTestConfig(database);
  const kernel = openKernel({ config, modules: [], logger: pino({ level: 'silent' }) });
  t.after(async () => {
    await kernel.close();
    await database.drop();
  });
  // The database as the release before keys left it: the first migration, and events hashed with SHA-256.
  await migrateToLatest(kernel.db, [{ owner: 'platform', migrations: [{ id: '0001-create-audit-event', migration: createAuditEvent }] }]);
  let previousHash = GENESIS_HASH;
  for (let n = 1; n <= 3; n += 1) {
    const fields = {
      sequence: n,
      id: `00000000-0000-4000-8000-00000000000${n}`,
      occurred_at: '2025-01-01T00:00:00.000Z',
      actor: `user:${n}`,
      action: 'identity.password.changed',
      subject: `user:${n}`,
      outcome: 'success',
      request_id: null,
      details: '{}',
      previous_hash: previousHash,
    };
    const hash = computeUnkeyedAuditEventHash(fields);
    await sql`insert into audit_event (sequence, id, occurred_at, actor, action, subject, outcome, request_id, details, previous_hash, hash)
      values (${n}, ${fields.id}, ${fields.occurred_at}, ${fields.actor}, ${fields.action}, ${fields.subject}, ${fields.outcome}, null, '{}', ${previousHash}, ${hash})`.execute(kernel.db);
    previousHash = hash;
  }
  const laterKernelMigrations = kernelMigrations.migrations.slice(1).map((entry) => `platform/${entry.id}`);
  assert.ok(laterKernelMigrations.includes('platform/0004-add-audit-event-key-id'));
  assert.deepEqual(await kernel.migrate(), laterKernelMigrations);
  assert.equal((await readRow(kernel, 3)).key_id, null, 'events already recorded stay as they were');

  await recordEvents(kernel, 2);
  const verification = await kernel.audit.verify();
  assertIntact(verification, 5);
  assert.ok(verification.intact);
  assert.equal(verification.unkeyedEventCount, 3);
  assert.equal(verification.keyedFrom, 4);
  assert.deepEqual(verification.keys.map((span) => [span.firstSequence, span.lastSequence]), [[4, 5]]);

  await t.test('an unkeyed event edited and its chain recomputed no longer leads to the first keyed one', async () => {
    const original = await readRow(kernel, 2);
    await recomputeUnkeyedChain(kernel, { from: 2, to: 3 }, { actor: 'user:innocent' });
    assertBrokenAt(await kernel.audit.verify(), { sequence: 4, id: (await readRow(kernel, 4)).id, reason: /does not follow/ });
    await recomputeUnkeyedChain(kernel, { from: 2, to: 3 }, { actor: original.actor });
    assertIntact(await kernel.audit.verify(), 5, 'the unkeyed events restored');
  });

  await t.test('an unkeyed event cannot follow the keyed ones', async () => {
    const newest = await readRow(kernel, 5);
    const forged = { ...newest, sequence: 6, id: '44444444-4444-4444-8444-444444444444', previous_hash: newest.hash, key_id: null };
    forged.hash = computeUnkeyedAuditEventHash(forged);
    await insertRow(kernel, forged);
    assertBrokenAt(await kernel.audit.verify(), { sequence: 6, id: forged.id, reason: /carries no key, yet the trail is keyed from event 4/ });
  });
});

test('after the key changes, events made under an earlier key are checked with it, and named by it', async (t) => {
  const OLD_KEY = 'an-old-encryption-key-of-enough-length-0';
  const NEW_KEY = 'a-new-encryption-key-of-enough-length-00';
  const AUDIT_KEY = 'an-audit-key-kept-apart-of-enough-length';
  const kernel = await createTestKernel(t, { modules: [], environment: { ENCRYPTION_KEY: OLD_KEY } });
  await recordEvents(kernel, 2);
  const openWith = (environment: Record<string, string>) => {
    const other = openKernel({ config: createTestConfig(kernel.testDatabase, environment), modules: [], logger: pino({ level: 'silent' }) });
    t.after(() => other.close());
    return other;
  };

  const rotated = openWith({ ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEY_PREVIOUS: OLD_KEY });
  await rotated.audit.record(describeEvent(3));
  const separate = openWith({ AUDIT_KEY, ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEY_PREVIOUS: OLD_KEY });
  await separate.audit.record(describeEvent(4));

  const verification = await separate.audit.verify();
  assertIntact(verification, 4);
  assert.ok(verification.intact);
  const idOf = (rootKey: string) => deriveAuditKey(rootKey, 'AUDIT_KEY').id;
  assert.deepEqual(verification.keys, [
    { keyId: idOf(OLD_KEY), source: 'ENCRYPTION_KEY_PREVIOUS', firstSequence: 1, lastSequence: 2 },
    { keyId: idOf(NEW_KEY), source: 'ENCRYPTION_KEY', firstSequence: 3, lastSequence: 3 },
    { keyId: idOf(AUDIT_KEY), source: 'AUDIT_KEY', firstSequence: 4, lastSequence: 4 },
  ]);

  const forgetful = openWith({ ENCRYPTION_KEY: NEW_KEY });
  assertBrokenAt(await forgetful.audit.verify(), {
    sequence: 1,
    id: (await readRow(kernel, 1)).id,
    reason: new RegExp(`made under key ${idOf(OLD_KEY)}, which is none of the audit keys this process knows`),
  });
  const laterAuditKey = openWith({ AUDIT_KEY: `${AUDIT_KEY}-2`, AUDIT_KEY_PREVIOUS: AUDIT_KEY, ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEY_PREVIOUS: OLD_KEY });
  assertIntact(await laterAuditKey.audit.verify(), 4, 'AUDIT_KEY_PREVIOUS checks what the earlier AUDIT_KEY made');
});

test('verify reads a long trail a page at a time and finds a break on either side of a page edge', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const audit = createAuditService({
    db: kernel.db,
    store: createAuditStore(),
    keys: auditKeyRingOf(kernel.config),
    verifyPageSize: 3,
  });
  const events = await recordEvents(kernel, 7);
  assertIntact(await audit.verify(), 7);

  for (const sequence of [3, 4, 6, 7]) {
    const original = await readRow(kernel, sequence);
    await sql`update audit_event set subject = 'user:0' where sequence = ${sequence}`.execute(kernel.db);
    assertBrokenAt(await audit.verify(), { sequence, id: events[sequence - 1].id, reason: /contents were changed/ });
    await sql`update audit_event set subject = ${original.subject} where sequence = ${sequence}`.execute(kernel.db);
  }

  await recordEvents(kernel, 2);
  assertIntact(await audit.verify(), 9, 'a trail that fills its last page');
});
