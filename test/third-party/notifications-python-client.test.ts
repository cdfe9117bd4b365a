/**
 * GOV.UK Notify's Python client's own integration test (test/third-party/notifications-python-client,
 * a pinned copy of its integration_test and notifications_python_client), run unchanged with
 * Debian's /usr/bin/python3 against a Civitas started here, as upstream's `make integration-test`
 * runs it (`python -m integration_test.integration_tests`, a plain script that stops at the first
 * failed assertion and prints a line of success at the end).
 *
 * The service is set up as Notify's own functional-test fixtures set up theirs
 * (alphagov/notifications-api app/functional_tests_fixtures), as for the Node client's suite:
 * templates whose first version is "Client Functional test email template", "Example text
 * message template" and "Untitled", each saved again with the body the tests expect (CRLF line
 * endings as Notify's fixtures write them), a letter contact block on the letter's second
 * version, an email reply-to address and a text message sender besides the defaults, an inbound
 * number with received texts, and a team key.
 *
 * Needs Debian's python3-requests, python3-jwt and python3-jsonschema; scripts/ensure-python-packages.ts
 * installs them with apt-get when it can (before `npm test`, and here). When it cannot, this test
 * skips and says why: it never passes without running the suite.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensurePythonPackages, PYTHON } from '../../scripts/ensure-python-packages.ts';
import { startFunctionalTestService } from './notify-functional-fixtures.ts';

const here = dirname(fileURLToPath(import.meta.url));
const suiteFolder = join(here, 'notifications-python-client');

const SUCCESS_LINE = 'notifications-python-client integration tests are successful';

test('notifications-python-client integration_test passes unchanged against Civitas', { timeout: 600_000 }, async (t) => {
  const readiness = ensurePythonPackages({ log: (line) => t.diagnostic(line) });
  if (!readiness.ready) {
    t.skip(`cannot run the Python client's suite: ${readiness.reason}`);
    return;
  }

  const suiteEnvironment = await startFunctionalTestService(t);
  // Only Debian's python and its dist-packages: no PYTHONPATH, no user site, no pyenv on PATH.
  const child = spawn(PYTHON, ['-m', 'integration_test.integration_tests'], {
    cwd: suiteFolder,
    env: {
      PATH: '/usr/bin:/bin',
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONNOUSERSITE: '1',
      PYTHONUNBUFFERED: '1',
      ...suiteEnvironment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  t.diagnostic(output);

  // The script is one function of 28 steps that stops at the first failure: passing means it
  // ran to its last line, printed its own success line and exited 0.
  assert.match(output, new RegExp(`^${SUCCESS_LINE}$`, 'm'), output);
  assert.doesNotMatch(output, /Traceback/, output);
  assert.equal(code, 0, output);
});
