import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeListening } from './main.ts';
import { createTestDatabase } from './platform/testing/test-database.ts';

const root = join(import.meta.dirname, '..');

async function findFreePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function startProcess(t: TestContext, script: string) {
  const database = await createTestDatabase();
  const port = await findFreePort();
  const child = spawn(process.execPath, [join(root, script)], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    await database.drop();
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  // Generous: on a loaded two-core CI machine, start-up (every module's migrations) has taken over 10 s.
  const giveUpAt = Date.now() + 90_000;
  for (;;) {
    try {
      const ready = await fetch(`${baseUrl}/readyz`);
      if (ready.status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > giveUpAt) assert.fail(`Civitas did not become ready:\n${output}`);
    await sleep(50);
  }
  return { child, baseUrl, exited, output: () => output };
}

function stop(child: ChildProcess) {
  child.kill('SIGTERM');
}

test('npm start serves the home page on a fresh database, and SIGTERM exits 0', async (t) => {
  const { child, baseUrl, exited, output } = await startProcess(t, 'src/main.ts');
  const home = await fetch(`${baseUrl}/`, { headers: { accept: 'text/html' } });
  assert.equal(home.status, 200);
  assert.match(await home.text(), /the shared services of digital government/);
  stop(child);
  const [code] = await exited;
  assert.equal(code, 0);
  // One plain line beside the JSON log says where to go (BASE_URL defaults to localhost and PORT).
  const port = new URL(baseUrl).port;
  assert.match(output(), new RegExp(`^Civitas is listening at http://localhost:${port}$`, 'm'));
});

test('the start-up line names where Civitas listens, and its public address when that is elsewhere', () => {
  assert.equal(describeListening({ BASE_URL: 'http://localhost:3000' }, { address: '::1', port: 3000 }), 'Civitas is listening at http://localhost:3000');
  assert.equal(describeListening({ BASE_URL: 'http://127.0.0.1:8080' }, { address: '127.0.0.1', port: 8080 }), 'Civitas is listening at http://127.0.0.1:8080');
  assert.equal(
    describeListening({ BASE_URL: 'https://civitas.example.org' }, { address: '0.0.0.0', port: 3000 }),
    'Civitas is listening on http://0.0.0.0:3000; its public address (BASE_URL) is https://civitas.example.org',
  );
  assert.equal(
    describeListening({ BASE_URL: 'http://localhost:3000' }, { address: '::', port: 3000 }),
    'Civitas is listening on http://[::]:3000; its public address (BASE_URL) is http://localhost:3000',
  );
});

test('SIGTERM lets a request in flight finish before the process exits 0', async (t) => {
  const { child, baseUrl, exited, output } = await startProcess(t, 'src/fixtures/slow-route-server.ts');
  const inFlight = fetch(`${baseUrl}/fixture/slow`);
  await sleep(300);
  stop(child);
  const response = await inFlight;
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { finished: true });
  const [code] = await exited;
  assert.equal(code, 0, output());
});
