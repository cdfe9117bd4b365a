import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTimeOrderedId } from './time-ordered-id.ts';

test('time-ordered ids are version 7 UUIDs that sort in the order they were made', () => {
  const ids = Array.from({ length: 5000 }, (_, index) => createTimeOrderedId(1_800_000_000_000 + Math.floor(index / 100)));
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual([...ids].sort(), ids, 'sorted as made, within a millisecond too');
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16), 1_800_000_000_000, 'the time comes first');
});
