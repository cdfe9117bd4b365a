import assert from 'node:assert/strict';
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

test('the message log chains and signs each record; an edit, a removal, a reordering or a forged re-chaining is found at its record', async (t) => {
  const kernel = await createTestKernel(t);
  const keys = createExchangeKeys({ db: kernel.db, secrets: kernel.secrets });
  const log = createMessageLog({ db: kernel.db, keys });
  await Promise.all([1, 2, 3, 4, 5].map((index) => log.append(entry(index))));
  const records = await createMessageLogStore(kernel.db).listPage({ from: '2000-01-01', to: '3000-01-01', afterSequence: 0, limit: 100 });
  assert.deepEqual(records.map((record) => record.sequence), [1, 2, 3, 4, 5], 'appends from many callers at once still make one chain');
  const { keys: publicKeys } = await keys.publish('message-log');
  assert.equal(findChainProblem(records, publicKeys, GENESIS_HASH), undefined);

  const edited = records.map((record) => ({ ...record }));
  edited[2]!.status_code = 500;
  assert.deepEqual(findChainProblem(edited, publicKeys, GENESIS_HASH), { sequence: 3, problem: 'hash' });

  assert.deepEqual(findChainProblem([...records.slice(0, 2), ...records.slice(3)], publicKeys, GENESIS_HASH), { sequence: 4, problem: 'order' });
  const reordered = [records[0]!, records[2]!, records[1]!, records[3]!, records[4]!];
  assert.deepEqual(findChainProblem(reordered, publicKeys, GENESIS_HASH), { sequence: 3, problem: 'order' });

  // Someone who can write the database but lacks the log key rebuilds the hashes after an edit: the signature gives it away.
  const rechained = records.map((record) => ({ ...record }));
  rechained[1]!.client = 'GB-DEV/GOV/OTHER/app';
  for (let index = 1; index < rechained.length; index += 1) {
    rechained[index]!.previous_hash = rechained[index - 1]!.record_hash;
    rechained[index]!.record_hash = hashRecord(rechained[index]!);
  }
  assert.deepEqual(findChainProblem(rechained, publicKeys, GENESIS_HASH), { sequence: 2, problem: 'signature' });
  assert.deepEqual(findChainProblem(records, [], GENESIS_HASH), { sequence: 1, problem: 'signature' }, 'an unknown key verifies nothing');
});
