import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createExchangeKeys } from '../gateway/exchange-keys.ts';
import { createMessageLogStore } from './message-log.store.ts';
import { createMessageLog, findChainProblem, GENESIS_HASH, hashRecord, type MessageLogEntry } from './message-log.ts';

const entry = (index: number): MessageLogEntry => ({
  x_road_id: `call-${index}`,
  client: 'GB-DEV/GOV/RC002/blue-badge',
  service: 'GB-DEV/GOV/BA001/benefits/pip-award',
  endpoint: 'GET /awards/{reference}',
  user_id: null,
  issue: null,
  request_hash: `request-${index}`,
  response_hash: `response-${index}`,
  status_code: 200,
  error_type: null,
  agreement_id: null,
  consent_id: null,
  started_at: '2026-12-03T06:00:00.000Z',
});

const EVERYTHING = { from: '2000-01-01', to: '3000-01-01', afterSequence: 0, limit: 100 };
const ALL_BATCHES = { first: 0, last: 1_000_000, afterSequence: -1, limit: 100 };

test('the message log chains each record and signs each batch written together; an edit, a removal, a reordering or a forged re-chaining is found at its record', async (t) => {
  const kernel = await createTestKernel(t);
  const keys = createExchangeKeys({ db: kernel.db, secrets: kernel.secrets });
  const log = createMessageLog({ db: kernel.db, keys });
  await Promise.all([1, 2, 3, 4, 5].map((index) => log.append(entry(index))));
  await log.append(entry(6));
  const store = createMessageLogStore(kernel.db);
  const records = await store.listPage(EVERYTHING);
  const batches = await store.listBatchesCovering(ALL_BATCHES);
  assert.deepEqual(records.map((record) => record.sequence), [1, 2, 3, 4, 5, 6], 'appends from many callers at once still make one chain');
  assert.deepEqual(batches.map((batch) => [batch.first_sequence, batch.last_sequence]), [[1, 5], [6, 6]], 'one signature for the five that came together');
  assert.ok(records.every((record) => record.signature === '' && record.key_id === ''), 'no record is signed alone');
  const { keys: publicKeys } = await keys.publish('message-log');
  assert.equal(findChainProblem(records, batches, publicKeys, GENESIS_HASH), undefined);

  const edited = records.map((record) => ({ ...record }));
  edited[2]!.status_code = 500;
  assert.deepEqual(findChainProblem(edited, batches, publicKeys, GENESIS_HASH), { sequence: 3, problem: 'hash' });

  assert.deepEqual(findChainProblem([...records.slice(0, 2), ...records.slice(3)], batches, publicKeys, GENESIS_HASH), { sequence: 4, problem: 'order' });
  const reordered = [records[0]!, records[2]!, records[1]!, records[3]!, records[4]!];
  assert.deepEqual(findChainProblem(reordered, batches, publicKeys, GENESIS_HASH), { sequence: 3, problem: 'order' });

  // Someone who can write the database but lacks the log key rebuilds the hashes after an edit: the
  // batch signed the record's first hash, so the rewritten record is named, not just its batch.
  const rechained = records.map((record) => ({ ...record }));
  rechained[1]!.client = 'GB-DEV/GOV/OTHER/app';
  for (let index = 1; index < rechained.length; index += 1) {
    rechained[index]!.previous_hash = rechained[index - 1]!.record_hash;
    rechained[index]!.record_hash = hashRecord(rechained[index]!);
  }
  assert.deepEqual(findChainProblem(rechained, batches, publicKeys, GENESIS_HASH), { sequence: 2, problem: 'signature' });

  // ...and who rewrites the batch's list of hashes too breaks its signature, from its first record on.
  const forgedBatches = batches.map((batch, index) => (index === 0 ? { ...batch, record_hashes: rechained.slice(0, 5).map((record) => record.record_hash).join(',') } : batch));
  assert.deepEqual(findChainProblem(rechained, forgedBatches, publicKeys, GENESIS_HASH), { sequence: 1, problem: 'signature' });
  assert.deepEqual(findChainProblem(records, batches.slice(1), publicKeys, GENESIS_HASH), { sequence: 1, problem: 'signature' }, 'a record no batch covers is not signed');
  assert.deepEqual(findChainProblem(records, batches, [], GENESIS_HASH), { sequence: 1, problem: 'signature' }, 'an unknown key verifies nothing');
});

test('a record signed on its own, as before batches, still verifies with its own signature; a forged one does not', async (t) => {
  const kernel = await createTestKernel(t);
  const keys = createExchangeKeys({ db: kernel.db, secrets: kernel.secrets });
  const key = await keys.current('message-log');
  const unsigned = { ...entry(1), client_proved: null, sequence: 1, recorded_at: '2026-12-03T06:00:01.000Z', previous_hash: GENESIS_HASH };
  const recordHash = hashRecord(unsigned);
  const record = { ...unsigned, record_hash: recordHash, key_id: key.keyId, signature: sign(null, Buffer.from(recordHash, 'hex'), key.privateKey).toString('base64url') };
  const { keys: publicKeys } = await keys.publish('message-log');
  assert.equal(findChainProblem([record], [], publicKeys, GENESIS_HASH), undefined);
  assert.deepEqual(findChainProblem([{ ...record, signature: record.signature.replace(/^./, (first) => (first === 'A' ? 'B' : 'A')) }], [], publicKeys, GENESIS_HASH), { sequence: 1, problem: 'signature' });
});
