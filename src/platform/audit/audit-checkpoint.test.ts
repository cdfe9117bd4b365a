import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createTestConfig, createTestKernel } from '../../testing/test-kernel.ts';
import { openKernel, type Kernel } from '../kernel.ts';
import { signAuditCheckpoint, type AuditCheckpoint } from './audit-checkpoint.ts';
import { computeUnkeyedAuditEventHash, GENESIS_HASH } from './audit-event-mac.ts';
import { auditKeyRingOf, deriveAuditKey } from './audit-keys.ts';
import { describeAuditVerification } from './audit-verify.ts';
import { createAuditService, type AuditVerification } from './audit.service.ts';
import { createAuditStore, type AuditEventRow } from './audit.store.ts';

function createTemporaryFolder(t: TestContext): string {
  const folder = mkdtempSync(join(tmpdir(), 'civitas-audit-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

/** A logger whose lines the test reads back, parsed. */
function createCapturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function recordEvents(kernel: Kernel, count: number) {
  const recorded = [];
  for (let n = 1; n <= count; n += 1) {
    recorded.push(
      await kernel.audit.record({ actor: `user:${n}`, action: 'identity.sign-in.completed', subject: `account:${n}`, outcome: 'success' }),
    );
  }
  return recorded;
}

async function readRows(kernel: Kernel): Promise<AuditEventRow[]> {
  return (await sql<AuditEventRow>`select * from audit_event order by sequence`.execute(kernel.db)).rows;
}

function readCheckpointFile(file: string): AuditCheckpoint[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditCheckpoint);
}

/** A kernel that checkpoints to a file of its own. */
async function createCheckpointingKernel(t: TestContext, environment: Record<string, string> = {}) {
  const file = join(createTemporaryFolder(t), 'audit-checkpoints.jsonl');
  const kernel = await createTestKernel(t, { modules: [], environment: { AUDIT_CHECKPOINT_FILE: file, ...environment } });
  return { kernel, file };
}

function assertBroken(
  verification: AuditVerification,
  expected: { sequence: number; id: string; reason: RegExp; eventCount: number; checkpoint?: { file: string; line: number } },
) {
  assert.equal(verification.intact, false, `the trail is reported broken: ${JSON.stringify(verification)}`);
  if (verification.intact) return;
  assert.deepEqual(
    { sequence: verification.sequence, id: verification.id, eventCount: verification.eventCount, checkpoint: verification.checkpoint },
    { sequence: expected.sequence, id: expected.id, eventCount: expected.eventCount, checkpoint: expected.checkpoint },
  );
  assert.match(verification.reason, expected.reason);
}

function assertIntact(verification: AuditVerification, expected: { eventCount: number; checkpointCount: number }) {
  assert.equal(verification.intact, true, `the trail is intact: ${JSON.stringify(verification)}`);
  if (!verification.intact) return;
  assert.deepEqual({ eventCount: verification.eventCount, checkpointCount: verification.checkpointCount }, expected);
}

// --- writing checkpoints -------------------------------------------------------------------

test('a checkpoint goes to the log and the file: the newest event, signed, and nothing personal', async (t) => {
  const file = join(createTemporaryFolder(t), 'nested', 'audit-checkpoints.jsonl');
  const { logger, lines } = createCapturingLogger();
  const kernel = await createTestKernel(t, { modules: [], logger, environment: { AUDIT_CHECKPOINT_FILE: file } });
  const events = await recordEvents(kernel, 3);
  const rows = await readRows(kernel);

  const checkpoint = await kernel.audit.checkpoint();
  assert.ok(checkpoint, 'a checkpoint was written');
  const keys = auditKeyRingOf(kernel.config);
  assert.deepEqual(checkpoint, signAuditCheckpoint({ trail: events[0].id, sequence: 3, id: events[2].id, head: rows[2].hash, at: checkpoint.at }, keys.current));
  assert.equal(checkpoint.eventCount, 3);
  assert.equal(checkpoint.keyId, keys.current.id);
  assert.deepEqual(readCheckpointFile(file), [checkpoint]);

  const logged = lines.filter((line) => line.msg === 'audit checkpoint');
  assert.equal(logged.length, 1);
  assert.deepEqual(logged[0].auditCheckpoint, checkpoint);
  assert.doesNotMatch(readFileSync(file, 'utf8'), /user:|account:|sign-in/, 'ids and MACs only');

  assert.equal(await kernel.audit.checkpoint(), undefined, 'nothing new: the newest event has not moved');
  await recordEvents(kernel, 1);
  const next = await kernel.audit.checkpoint();
  assert.equal(next?.sequence, 4);
  assert.deepEqual(readCheckpointFile(file), [checkpoint, next]);
  assert.equal(lines.filter((line) => line.msg === 'audit checkpoint').length, 2);
});

test('while events are recorded a timer checkpoints at most once an interval; close writes the last', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const file = join(createTemporaryFolder(t), 'audit-checkpoints.jsonl');
  const audit = createAuditService({
    db: kernel.db,
    store: createAuditStore(),
    keys: auditKeyRingOf(kernel.config),
    checkpoints: { logger: pino({ level: 'silent' }), file, intervalMs: 100 },
  });
  await audit.close();
  await audit.record({ actor: 'system', action: 'test.event.recorded', subject: 'test', outcome: 'success' });
  await sleep(350);
  assert.throws(() => readFileSync(file), /ENOENT/, 'a closed trail starts no timer');

  const running = createAuditService({
    db: kernel.db,
    store: createAuditStore(),
    keys: auditKeyRingOf(kernel.config),
    checkpoints: { logger: pino({ level: 'silent' }), file, intervalMs: 100 },
  });
  t.after(() => running.close());
  await running.record({ actor: 'system', action: 'test.event.recorded', subject: 'test', outcome: 'success' });
  await running.record({ actor: 'system', action: 'test.event.recorded', subject: 'test', outcome: 'success' });
  await sleep(450);
  assert.deepEqual(readCheckpointFile(file).map((checkpoint) => checkpoint.sequence), [3], 'one checkpoint of the newest event');

  await running.record({ actor: 'system', action: 'test.event.recorded', subject: 'test', outcome: 'success' });
  await running.close();
  assert.deepEqual(readCheckpointFile(file).map((checkpoint) => checkpoint.sequence), [3, 4], 'close checkpointed the last event');
});

test('no checkpoint vouches for a newest event that does not verify, nor for a trail shorter than the last one', async (t) => {
  const { logger, lines } = createCapturingLogger();
  const file = join(createTemporaryFolder(t), 'audit-checkpoints.jsonl');
  const kernel = await createTestKernel(t, { modules: [], logger, environment: { AUDIT_CHECKPOINT_FILE: file } });
  await recordEvents(kernel, 3);
  assert.equal((await kernel.audit.checkpoint())?.sequence, 3);

  await sql`update audit_event set actor = 'user:innocent' where sequence = 3`.execute(kernel.db);
  await recordEvents(kernel, 1);
  await sql`update audit_event set actor = 'user:innocent' where sequence = 4`.execute(kernel.db);
  assert.equal(await kernel.audit.checkpoint(), undefined);
  assert.deepEqual(
    lines.filter((line) => line.level === 50).map((line) => [line.msg, line.sequence, line.problem]),
    [['audit trail newest event does not verify; no checkpoint written', 4, 'its MAC is wrong']],
  );

  await sql`delete from audit_event where sequence >= 3`.execute(kernel.db);
  assert.equal(await kernel.audit.checkpoint(), undefined);
  assert.equal(lines.at(-1)?.msg, 'audit trail is shorter than this process checkpointed it; no checkpoint written');
  assert.equal(readCheckpointFile(file).length, 1);
});

test('a command that recorded events checkpoints when its kernel closes', async (t) => {
  const file = join(createTemporaryFolder(t), 'audit-checkpoints.jsonl');
  const first = await createTestKernel(t, { modules: [] });
  const kernel = openKernel({
    config: createTestConfig(first.testDatabase, { AUDIT_CHECKPOINT_FILE: file }),
    modules: [],
    logger: pino({ level: 'silent' }),
  });
  const events = await recordEvents(kernel, 2);
  await kernel.close();
  assert.deepEqual(
    readCheckpointFile(file).map((checkpoint) => [checkpoint.sequence, checkpoint.id]),
    [[2, events[1].id]],
  );
});

// --- verifying against checkpoints ---------------------------------------------------------

test('verify checks every checkpoint against the trail and says how far they vouch for it', async (t) => {
  const { kernel, file } = await createCheckpointingKernel(t);
  assertIntact(await kernel.audit.verify(), { eventCount: 0, checkpointCount: 0 });

  await recordEvents(kernel, 3);
  await kernel.audit.checkpoint();
  await recordEvents(kernel, 2);
  await kernel.audit.checkpoint();
  await recordEvents(kernel, 1);

  const verification = await kernel.audit.verify();
  assertIntact(verification, { eventCount: 6, checkpointCount: 2 });
  assert.ok(verification.intact);
  assert.equal(verification.checkpointedTo, 5);
  assert.deepEqual(verification.checkpointFiles, [{ path: file, found: true, checkpoints: 2 }]);
  assert.equal(
    describeAuditVerification(verification),
    [
      'The audit trail is intact: 6 events checked.',
      `Events 1 to 6: keyed under ENCRYPTION_KEY (key ${auditKeyRingOf(kernel.config).current.id}).`,
      '2 checkpoints agree with it, the newest at event 5.',
      'Event 6 came after every checkpoint: deleting it would go unnoticed.',
    ].join('\n'),
  );
});

test('verify finds the newest events deleted, when a checkpoint had seen them', async (t) => {
  const { kernel, file } = await createCheckpointingKernel(t);
  const events = await recordEvents(kernel, 5);
  const checkpoint = await kernel.audit.checkpoint();

  await sql`delete from audit_event where sequence >= 4`.execute(kernel.db);
  assertBroken(await kernel.audit.verify(), {
    sequence: 5,
    id: events[4].id,
    eventCount: 3,
    reason: new RegExp(
      `^it is gone: the trail ends at event 3, but the checkpoint at ${file} line 1 \\(written at ${checkpoint?.at}\\) shows it reached event 5, so the newest events were deleted$`,
    ),
    checkpoint: { file, line: 1 },
  });

  await sql`delete from audit_event`.execute(kernel.db);
  assertBroken(await kernel.audit.verify(), {
    sequence: 5,
    id: events[4].id,
    eventCount: 0,
    reason: /the trail ends at event 0/,
    checkpoint: { file, line: 1 },
  });
});

test('verify finds the newest events deleted and others recorded in their place', async (t) => {
  const { kernel, file } = await createCheckpointingKernel(t);
  const events = await recordEvents(kernel, 5);
  await kernel.audit.checkpoint();

  await sql`delete from audit_event where sequence >= 4`.execute(kernel.db);
  const replacements = await recordEvents(kernel, 3);
  assertBroken(await kernel.audit.verify(), {
    sequence: 5,
    id: replacements[1].id,
    eventCount: 4,
    reason: new RegExp(`^it is not the event the checkpoint at ${file} line 1 \\(written at .*\\) names: the trail was rewritten$`),
    checkpoint: { file, line: 1 },
  });
  assert.notEqual(replacements[1].id, events[4].id);
});

test('a trail rewritten whole as unkeyed events, as the code before keys would, is found by a checkpoint', async (t) => {
  const { kernel, file } = await createCheckpointingKernel(t);
  await recordEvents(kernel, 4);
  await kernel.audit.checkpoint();

  let previousHash = GENESIS_HASH;
  for (const row of await readRows(kernel)) {
    const rewritten = { ...row, actor: row.sequence === 2 ? 'user:innocent' : row.actor, previous_hash: previousHash, key_id: null };
    rewritten.hash = computeUnkeyedAuditEventHash(rewritten);
    await sql`update audit_event set actor = ${rewritten.actor}, previous_hash = ${rewritten.previous_hash}, key_id = null, hash = ${rewritten.hash}
      where sequence = ${row.sequence}`.execute(kernel.db);
    previousHash = rewritten.hash;
  }
  const rows = await readRows(kernel);
  assertBroken(await kernel.audit.verify(), {
    sequence: 4,
    id: rows[3].id,
    eventCount: 3,
    reason: /not the event the checkpoint at .* names: the trail was rewritten/,
    checkpoint: { file, line: 1 },
  });

  // Without a checkpoint nothing outside the database remembers the trail was keyed: verify can
  // only say that none of its events is.
  const unchecked = await kernel.audit.verify({ checkpointFiles: [] });
  assert.ok(!unchecked.intact, 'the configured file is always read');
  rmSync(file);
  const withoutCheckpoints = await kernel.audit.verify();
  assert.ok(withoutCheckpoints.intact);
  assert.equal(withoutCheckpoints.keyedFrom, null);
  assert.equal(withoutCheckpoints.unkeyedEventCount, 4);
  assert.match(describeAuditVerification(withoutCheckpoints), /Events 1 to 4 carry no key: only their SHA-256 chain is checked, which anyone can compute again\./);
  assert.match(describeAuditVerification(withoutCheckpoints), new RegExp(`There is no checkpoint file ${file}\\.`));
});

test('verify refuses a forged, altered or unknown-key checkpoint, before anything else', async (t) => {
  const { kernel, file } = await createCheckpointingKernel(t);
  const events = await recordEvents(kernel, 3);
  const genuine = (await kernel.audit.checkpoint()) as AuditCheckpoint;
  const attackerKey = deriveAuditKey('an-attacker-made-this-key-for-itself-000', 'AUDIT_KEY');
  const original = readFileSync(file, 'utf8');

  const forgeries: ReadonlyArray<[what: string, line: string, sequence: number, id: string, reason: RegExp]> = [
    ['an earlier sequence, with the MAC kept', JSON.stringify({ ...genuine, sequence: 2, eventCount: 2 }), 2, genuine.id, /cannot be believed: its MAC is wrong: it was forged or altered$/],
    ['another head', JSON.stringify({ ...genuine, head: 'f'.repeat(64) }), 3, genuine.id, /cannot be believed: its MAC is wrong/],
    ['signed under a key of its own', JSON.stringify(signAuditCheckpoint({ ...genuine, sequence: 2, id: events[1].id }, attackerKey)), 2, events[1].id, new RegExp(`cannot be believed: it was signed under key ${attackerKey.id}, which is none of the audit keys this process knows$`)],
    ['signed under a key of its own, named as ours', JSON.stringify(signAuditCheckpoint({ ...genuine, sequence: 9 }, { ...attackerKey, id: genuine.keyId })), 9, genuine.id, /cannot be believed: its MAC is wrong/],
    ['not a whole checkpoint', JSON.stringify({ ...genuine, mac: undefined, sequence: 7 }), 7, genuine.id, /is not a whole checkpoint: it was altered$/],
    ['an id that is no id, but a terminal escape', JSON.stringify({ ...genuine, id: '\u001b[2J' }), 3, 'unknown', /is not a whole checkpoint/],
    ['a log line whose checkpoint was altered', JSON.stringify({ level: 30, msg: 'audit checkpoint', auditCheckpoint: { ...genuine, at: '2001-01-01T00:00:00.000Z' } }), 3, genuine.id, /cannot be believed: its MAC is wrong/],
  ];
  for (const [what, line, sequence, id, reason] of forgeries) {
    writeFileSync(file, `${original}${line}\n`);
    const verification = await kernel.audit.verify();
    assertBroken(verification, { sequence, id, eventCount: 0, reason, checkpoint: { file, line: 2 } });
    assert.ok(!verification.intact && verification.reason.startsWith(`the checkpoint at ${file} line 2 `), what);
  }

  writeFileSync(file, `${original}not json at all\n{"level":30,"msg":"something else"}\n`);
  assertIntact(await kernel.audit.verify(), { eventCount: 3, checkpointCount: 1 });
});

test('verify believes checkpoints signed under an earlier key, and names one of another trail', async (t) => {
  const OLD_KEY = 'an-old-encryption-key-of-enough-length-0';
  const { kernel, file } = await createCheckpointingKernel(t, { ENCRYPTION_KEY: OLD_KEY });
  await recordEvents(kernel, 2);
  await kernel.audit.checkpoint();

  const rotated = openKernel({
    config: createTestConfig(kernel.testDatabase, { AUDIT_CHECKPOINT_FILE: file, ENCRYPTION_KEY: 'a-new-encryption-key-of-enough-length-00', ENCRYPTION_KEY_PREVIOUS: OLD_KEY }),
    modules: [],
    logger: pino({ level: 'silent' }),
  });
  t.after(() => rotated.close());
  await recordEvents(rotated, 1);
  await rotated.audit.checkpoint();
  assertIntact(await rotated.audit.verify(), { eventCount: 3, checkpointCount: 2 });

  const other = await createCheckpointingKernel(t, { ENCRYPTION_KEY: OLD_KEY });
  await recordEvents(other.kernel, 3);
  await other.kernel.audit.checkpoint();
  appendFileSync(file, readFileSync(other.file));
  const firstOfOther = (await readRows(other.kernel))[0];
  assertBroken(await rotated.audit.verify(), {
    sequence: 3,
    id: (await readRows(kernel))[2].id,
    eventCount: 2,
    reason: new RegExp(`the checkpoint at ${file} line 3 is of another trail, whose first event was ${firstOfOther.id}: this trail replaced it, or the file belongs to another database`),
    checkpoint: { file, line: 3 },
  });
});

test('verify reads checkpoints from log files too, and finds the events deleted after them', async (t) => {
  const folder = createTemporaryFolder(t);
  const logFile = join(folder, 'civitas.log');
  const logger = pino({ level: 'info' }, pino.destination({ dest: logFile, sync: true }));
  const kernel = await createTestKernel(t, { modules: [], logger });
  // The kernel starts from a migrated copy and logs nothing: the checkpoint is the third line.
  logger.info('Civitas is starting');
  const events = await recordEvents(kernel, 4);
  logger.info({ port: 3000 }, 'Civitas is ready');
  await kernel.audit.checkpoint();
  assert.deepEqual(
    readFileSync(logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line).msg),
    ['Civitas is starting', 'Civitas is ready', 'audit checkpoint'],
  );
  await sql`delete from audit_event where sequence = 4`.execute(kernel.db);

  assertIntact(await kernel.audit.verify(), { eventCount: 3, checkpointCount: 0 });
  assertBroken(await kernel.audit.verify({ checkpointFiles: [logFile] }), {
    sequence: 4,
    id: events[3].id,
    eventCount: 3,
    reason: /it is gone: the trail ends at event 3/,
    checkpoint: { file: logFile, line: 3 },
  });
});

test('verify prints what it read from the database escaped, unless it is a plain id', async (t) => {
  const { kernel } = await createCheckpointingKernel(t);
  await recordEvents(kernel, 2);
  await sql`update audit_event set id = ${'\u001b[2Jevent'}, key_id = ${'\u001b[31mkey'} where sequence = 2`.execute(kernel.db);
  const verification = await kernel.audit.verify();
  assert.equal(
    describeAuditVerification(verification),
    'The audit trail is broken at event 2 ("\\u001b[2Jevent"): it was made under key "\\u001b[31mkey", which is none of the audit keys this process knows.',
  );
});
