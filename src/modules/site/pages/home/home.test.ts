import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../../testing/test-kernel.ts';

test('the home page explains every component of the platform, in English and Welsh', async (t) => {
  const { app } = await createTestApp(t);

  const english = await app.inject({ method: 'GET', url: '/' });
  assert.equal(english.statusCode, 200);
  assert.match(english.headers['content-type'] as string, /text\/html/);
  for (const name of ['One Login', 'Notify', 'Pay', 'Exchange', 'Forms', 'Assistant', 'Insight']) {
    assert.match(english.body, new RegExp(`>\\s*${name}\\s*<`));
  }
  assert.match(english.body, /<html lang="en"/);

  const welsh = await app.inject({ method: 'GET', url: '/?lang=cy' });
  assert.equal(welsh.statusCode, 200);
  assert.match(welsh.body, /<html lang="cy"/);
  assert.match(welsh.body, /Beth mae&#39;n ei wneud/);
});
