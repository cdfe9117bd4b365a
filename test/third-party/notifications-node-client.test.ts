/**
 * GOV.UK Notify's Node client's own integration suite (test/third-party/notifications-node-client,
 * a pinned copy of its spec/integration), run unchanged with mocha against a Civitas started here.
 *
 * The service is set up as Notify's own functional-test fixtures set up theirs
 * (alphagov/notifications-api app/functional_tests_fixtures): templates whose first version is
 * "Client Functional test email template", "Example text message template" and "Untitled", each
 * then saved again with the body the spec expects (CRLF line endings as written there), a
 * letter contact block on the letter's second version, an email reply-to address and a text
 * message sender besides the defaults, an inbound number with received texts, and a team key.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFunctionalTestService } from './notify-functional-fixtures.ts';

const here = dirname(fileURLToPath(import.meta.url));
const suiteFolder = join(here, 'notifications-node-client');
const mocha = join(here, '..', '..', 'node_modules', 'mocha', 'bin', 'mocha.js');


test('notifications-node-client spec/integration passes unchanged against Civitas', { timeout: 600_000 }, async (t) => {
  const suiteEnvironment = await startFunctionalTestService(t);
  const child = spawn(process.execPath, [mocha, '--reporter', 'spec', '--no-colors', 'spec/integration/test.js'], {
    cwd: suiteFolder,
    env: {
      PATH: process.env.PATH,
      npm_config_integration: 'true',
      ...suiteEnvironment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  t.diagnostic(output);

  const passing = Number(/(\d+) passing/.exec(output)?.[1] ?? 0);
  const failing = Number(/(\d+) failing/.exec(output)?.[1] ?? 0);
  assert.doesNotMatch(output, /pending/, output);
  assert.equal(passing + failing, 29, output);
  // One race is the spec's own: "send a precompiled letter notification" does not wait for its
  // request, whose answer replaces letterNotificationId. The spec expects that answer after "get
  // letter notification by id" has read the templated letter's id (it checks that letter's body)
  // and before "get a letter pdf" reads it again (it compares the precompiled PDF's bytes), as
  // happens with GOV.UK Notify's slower precompiled uploads. Against a Civitas on this machine it
  // often comes sooner (the first of those then reads the precompiled letter, whose body is empty
  // as on Notify) or, under load, later (the second then gets the templated letter's PDF).
  // So one of those two may fail, in that way only; every other case must pass.
  if (failing > 0) {
    assert.equal(failing, 1, output);
    assert.equal(code, 1, output);
    const precompiledCameFirst = /1\) notification api with a live service\s+notifications\s+get letter notification by id:\s+AssertionError: expected '' to equal 'Hello /;
    const precompiledCameLast = /1\) notification api with a live service\s+notifications\s+get a letter pdf:\s+AssertionError: expected <Buffer 25 50 44 46/;
    assert.ok(precompiledCameFirst.test(output) || precompiledCameLast.test(output), output);
  } else {
    assert.equal(code, 0, output);
  }
});
