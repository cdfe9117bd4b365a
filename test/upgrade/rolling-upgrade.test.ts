import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { NotifyClient } from 'notifications-node-client';
import pg from 'pg';
import { testDatabaseKind } from '../../src/platform/testing/test-database.ts';

/**
 * A rolling upgrade, on PostgreSQL: the release before a migration keeps serving while the release
 * with it starts on the same database and applies it, then both serve side by side, then the old
 * one goes. Both releases are real commits checked out into temporary git worktrees.
 *
 * The commit is Pay's migration 0004 (a NOT NULL column with a default on pay_payment, which the
 * old release neither writes nor reads). CIVITAS_UPGRADE_COMMIT names another commit to try; its
 * parent is the old release.
 */
const UPGRADE_COMMIT = process.env.CIVITAS_UPGRADE_COMMIT ?? 'f39e4db33adc3f85e6b04fcc8775aca13315662d';

const repositoryRoot = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** The same secrets for every process, as an operator gives every instance behind one load balancer. */
const SHARED_SETTINGS = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  COOKIE_SECRET: 'rolling-upgrade-test-cookie-secret-0123456789abcdef',
  ENCRYPTION_KEY: 'rolling-upgrade-test-encryption-key-0123456789abcdef',
  OUTBOUND_ALLOW_PRIVATE_NETWORK: 'true',
};

async function git(...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd: repositoryRoot });
  return stdout.trim();
}

async function findFreePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** `owner/id` as the migrator names it, from a migration file's path. */
function migrationNameOf(path: string): string | undefined {
  const match = /^src\/(?:modules\/([^/]+)|platform\/[^/]+)\/migrations\/(\d{4}-[^/]+)\.ts$/.exec(path);
  if (!match) return undefined;
  return `${match[1] ?? 'platform'}/${match[2]}`;
}

/** A checkout of `commit` in a temporary worktree, using this repository's node_modules; removed when the test ends. */
async function checkOut(t: TestContext, commit: string, label: string): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), `civitas-upgrade-${label}-`));
  t.after(async () => {
    const removed = await git('worktree', 'remove', '--force', directory).then(() => true, () => false);
    rmSync(directory, { recursive: true, force: true });
    // Only when git could not remove it: prune forgets worktrees whose folders are gone.
    if (!removed) await git('worktree', 'prune').catch(() => undefined);
  });
  await git('worktree', 'add', '--detach', '--quiet', directory, commit);
  symlinkSync(join(repositoryRoot, 'node_modules'), join(directory, 'node_modules'), 'dir');
  return directory;
}

/** A fresh PostgreSQL database of its own (not a schema: this is what an operator runs), dropped when the test ends. */
async function createDatabase(t: TestContext): Promise<{ url: string; admin: pg.Client }> {
  const serverUrl = process.env.DATABASE_URL as string;
  const name = `civitas_upgrade_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  url.searchParams.delete('options');
  const watcher = new pg.Client({ connectionString: url.toString() });
  await watcher.connect();
  t.after(async () => {
    await watcher.end().catch(() => undefined);
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  return { url: url.toString(), admin: watcher };
}

type LogLine = { level?: number; msg?: string; [key: string]: unknown };

type Civitas = {
  label: string;
  baseUrl: string;
  child: ChildProcess;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** Every line the process wrote, and the log lines among them at error level or worse. */
  output(): string;
  errors(): LogLine[];
  warnings(): LogLine[];
};

/** `npm start` of one checkout, on its own port; resolves once /readyz answers 200. */
async function startCivitas(
  t: TestContext,
  options: { label: string; root: string; databaseUrl: string; baseUrl: string },
): Promise<Civitas> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [join(options.root, 'src', 'main.ts')], {
    cwd: options.root,
    env: { ...process.env, ...SHARED_SETTINGS, DATABASE_URL: options.databaseUrl, PORT: String(port), BASE_URL: options.baseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const logLines = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  const civitas: Civitas = {
    label: options.label,
    baseUrl: `http://127.0.0.1:${port}`,
    child,
    exited,
    output: () => output,
    errors: () => logLines().filter((line) => (line.level ?? 0) >= 50),
    warnings: () => logLines().filter((line) => line.level === 40),
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      if ((await fetch(`${civitas.baseUrl}/readyz`)).status === 200) return civitas;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || attempt > 1200) assert.fail(`${options.label} did not become ready:\n${output}`);
    await sleep(50);
  }
}

async function stopCivitas(civitas: Civitas): Promise<void> {
  civitas.child.kill('SIGTERM');
  const [code, signal] = await civitas.exited;
  assert.equal(code, 0, `${civitas.label} stopped cleanly on SIGTERM (signal ${signal}):\n${civitas.output()}`);
}

/**
 * The load balancer in front: BASE_URL points at it, and it hands each request to the next
 * process in `backends`, round robin. The demo service reaches the provider's discovery document
 * and keys through it, as it would in production, so those requests cross versions too.
 */
async function startLoadBalancer(t: TestContext): Promise<{ url: string; backends: Civitas[] }> {
  const backends: Civitas[] = [];
  let turn = 0;
  const server = createHttpServer((request, response) => {
    const target = backends[turn++ % Math.max(backends.length, 1)];
    if (!target) {
      response.writeHead(503).end();
      return;
    }
    const upstream = httpRequest(`${target.baseUrl}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
    request.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, backends };
}

type Fixtures = { templateId: string; notifyKey: string; payKey: string };

/** What a request was, which process answered it, and what went wrong if anything did. */
type Outcome = { phase: string; what: string; process: string; startedAt: number; endedAt: number; problem?: string };

/**
 * The requests a round makes: a Notify email sent through one process and its status read through
 * the other, a payment created through one and read through the other, and One Login's sign-in
 * page reached through both (start, /authorize, the page). With one process, it does both halves.
 */
function createTraffic(fixtures: Fixtures) {
  const outcomes: Outcome[] = [];
  const notifications: string[] = [];
  const payments: Array<{ id: string; reference: string }> = [];
  let counter = 0;

  async function attempt(phase: string, what: string, target: Civitas, call: () => Promise<void>): Promise<void> {
    const startedAt = Date.now();
    try {
      await call();
      outcomes.push({ phase, what, process: target.label, startedAt, endedAt: Date.now() });
    } catch (error) {
      // The Notify client's errors carry the response: its envelope says what went wrong.
      const response = (error as { response?: { status?: number; data?: unknown } }).response;
      const problem = `${error instanceof Error ? error.message : String(error)}${response ? ` ${response.status} ${JSON.stringify(response.data)}` : ''}`;
      outcomes.push({ phase, what, process: target.label, startedAt, endedAt: Date.now(), problem });
    }
  }

  async function expectStatus(response: Response, status: number, what: string): Promise<string> {
    const body = await response.text();
    if (response.status !== status) throw new Error(`${what}: ${response.status} ${(/<title>([^<]*)/.exec(body)?.[1] ?? body).slice(0, 300)}`);
    return body;
  }

  async function notify(phase: string, sender: Civitas, reader: Civitas): Promise<void> {
    counter += 1;
    let id = '';
    await attempt(phase, 'notify send', sender, async () => {
      const response = await new NotifyClient(sender.baseUrl, fixtures.notifyKey).sendEmail(fixtures.templateId, `person${counter}@example.com`, {
        personalisation: { name: `Person ${counter}` },
        reference: `upgrade-${counter}`,
      });
      id = response.data.id;
      notifications.push(id);
    });
    if (!id) return;
    await attempt(phase, 'notify status', reader, async () => {
      const response = await new NotifyClient(reader.baseUrl, fixtures.notifyKey).getNotificationById(id);
      if (response.data.id !== id || typeof response.data.status !== 'string') throw new Error(`notify status: ${JSON.stringify(response.data)}`);
    });
  }

  async function pay(phase: string, creator: Civitas, reader: Civitas): Promise<void> {
    counter += 1;
    const reference = `UPGRADE-${counter}`;
    let id = '';
    await attempt(phase, 'pay create', creator, async () => {
      const response = await fetch(`${creator.baseUrl}/v1/payments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fixtures.payKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 1000 + counter, reference, description: 'Rolling upgrade', return_url: 'https://service.example.gov.uk/return' }),
      });
      id = (JSON.parse(await expectStatus(response, 201, 'pay create')) as { payment_id: string }).payment_id;
      payments.push({ id, reference });
    });
    if (!id) return;
    await attempt(phase, 'pay get', reader, () => readPayment(reader, { id, reference }));
  }

  async function readPayment(reader: Civitas, payment: { id: string; reference: string }): Promise<void> {
    const response = await fetch(`${reader.baseUrl}/v1/payments/${payment.id}`, { headers: { authorization: `Bearer ${fixtures.payKey}` } });
    const body = JSON.parse(await expectStatus(response, 200, 'pay get')) as { payment_id: string; reference: string };
    if (body.payment_id !== payment.id || body.reference !== payment.reference) throw new Error(`pay get: ${JSON.stringify(body)}`);
  }

  /** The demo service's sign-in button, the provider's /authorize, then the page, each hop through the next process. */
  async function signInPage(phase: string, first: Civitas, second: Civitas): Promise<void> {
    await attempt(phase, 'sign-in page', first, async () => {
      const cookies = new Map<string, string>();
      let path = '/demo-service/sign-in';
      const hops = [first, second, first];
      for (const [index, target] of hops.entries()) {
        const response = await fetch(`${target.baseUrl}${path}`, {
          redirect: 'manual',
          headers: { accept: 'text/html', cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
        });
        for (const header of response.headers.getSetCookie()) {
          const [pair = ''] = header.split(';');
          const separator = pair.indexOf('=');
          cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
        }
        if (index < hops.length - 1) {
          await expectStatus(response, 303, `sign-in hop ${path}`);
          const location = new URL(response.headers.get('location') ?? '', target.baseUrl);
          path = `${location.pathname}${location.search}`;
        } else {
          const page = await expectStatus(response, 200, `sign-in page ${path}`);
          if (!page.includes('Create your One Login or sign in')) throw new Error(`sign-in page ${path}: not the page`);
        }
      }
    });
  }

  return {
    outcomes,
    notifications,
    payments,
    readPayment,
    async round(phase: string, one: Civitas, other: Civitas = one): Promise<void> {
      await notify(phase, one, other);
      await pay(phase, one, other);
      await signInPage(phase, one, other);
    },
    /** Rounds against `targets` until `stop()` is called: the traffic that goes on while something else happens. */
    keepGoing(phase: string, targets: () => Civitas[]) {
      let stopping = false;
      let rounds = 0;
      const loop = (async () => {
        while (!stopping) {
          const [one, other = one] = targets();
          await this.round(phase, one as Civitas, other);
          rounds += 1;
        }
      })();
      return {
        async stop(): Promise<number> {
          stopping = true;
          await loop;
          return rounds;
        },
      };
    },
  };
}

test('rolling upgrade on PostgreSQL: the previous release keeps serving while the next one starts and migrates the same database, then both serve side by side', { timeout: 180_000 }, async (t) => {
  if (testDatabaseKind() !== 'postgres') {
    t.skip('needs PostgreSQL: SQLite is one process on one file, so there is no rolling upgrade to test (run with a postgres:// DATABASE_URL)');
    return;
  }
  const newCommit = await git('rev-parse', '--verify', '--quiet', `${UPGRADE_COMMIT}^{commit}`).catch(() => '');
  const oldCommit = newCommit ? await git('rev-parse', '--verify', '--quiet', `${newCommit}^`).catch(() => '') : '';
  if (!newCommit || !oldCommit) {
    t.skip(`needs the git history of ${UPGRADE_COMMIT} and its parent (not in this checkout: a shallow clone or no .git)`);
    return;
  }
  const added = (await git('diff', '--name-only', '--diff-filter=A', oldCommit, newCommit, '--', 'src'))
    .split('\n')
    .map(migrationNameOf)
    .filter((name): name is string => name !== undefined);
  assert.ok(added.length > 0, `${UPGRADE_COMMIT} adds no migration: choose a commit that does`);
  t.diagnostic(`old release ${oldCommit.slice(0, 7)}, new release ${newCommit.slice(0, 7)}, adding ${added.join(', ')}`);

  const [oldRoot, newRoot, database] = await Promise.all([checkOut(t, oldCommit, 'old'), checkOut(t, newCommit, 'new'), createDatabase(t)]);
  const appliedNames = async () =>
    new Set((await database.admin.query<{ name: string }>('select name from civitas_migration')).rows.map((row) => row.name));

  // One address for every process, a load balancer's: the demo service registers its redirect URI
  // under it and fetches the provider's discovery through it, and every link is written with it.
  const balancer = await startLoadBalancer(t);
  const baseUrl = balancer.url;
  const old = await startCivitas(t, { label: 'old', root: oldRoot, databaseUrl: database.url, baseUrl });
  balancer.backends.push(old);
  for (const name of added) assert.ok(!(await appliedNames()).has(name), `the old release does not apply ${name}`);

  // The service team's setup, with the old release's own commands.
  const bodyFile = join(oldRoot, 'upgrade-template.txt');
  writeFileSync(bodyFile, 'Dear ((name)),\n\nThis email was sent during a rolling upgrade.');
  const steps = [
    { name: 'service', argv: ['notify', 'service', 'add', '--name', 'Rolling upgrade', '--rate-limit', '100000'] },
    { name: 'template', argv: ['notify', 'template', 'add', '--service', '{service.service_id}', '--type', 'email', '--name', 'Upgrade', '--subject', 'Hello ((name))', '--body-file', bodyFile] },
    { name: 'notifyKey', argv: ['notify', 'key', 'add', '--service', '{service.service_id}', '--type', 'live', '--name', 'upgrade'] },
    // Generous limits, as for the Notify service: the traffic is as fast as the machine allows,
    // and a 429 from Pay's rate limit would say nothing about the upgrade.
    { name: 'account', argv: ['pay', 'account', 'add', '--name', 'Rolling upgrade', '--rate-limit-post', '100000', '--rate-limit-other', '100000'] },
    { name: 'payKey', argv: ['pay', 'key', 'add', '--account', '{account.account_id}', '--type', 'test'] },
  ];
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'fixtures', 'run-cli-steps.ts'), oldRoot, JSON.stringify(steps)], {
    cwd: oldRoot,
    env: { ...process.env, ...SHARED_SETTINGS, DATABASE_URL: database.url, BASE_URL: baseUrl },
  });
  const setup = JSON.parse(stdout) as Record<string, Record<string, string>>;
  const traffic = createTraffic({
    templateId: setup.template?.template_id as string,
    notifyKey: setup.notifyKey?.key as string,
    payKey: setup.payKey?.key as string,
  });

  // 1. Before: the old release alone.
  for (let round = 0; round < 2; round += 1) await traffic.round('old alone, before', old);

  // 2. During: the new release starts and migrates while requests keep reaching the old one.
  const during = traffic.keepGoing('old, while the new one starts and migrates', () => [old]);
  const next = await startCivitas(t, { label: 'new', root: newRoot, databaseUrl: database.url, baseUrl });
  const roundsDuring = await during.stop();
  balancer.backends.push(next);
  const applied = await appliedNames();
  for (const name of added) assert.ok(applied.has(name), `the new release applied ${name}`);
  const appliedAt = Date.parse(
    (await database.admin.query<{ applied_at: string }>('select max(applied_at) as applied_at from civitas_migration where name = any($1)', [added])).rows[0]
      ?.applied_at as string,
  );

  // 3. The old release on the migrated schema, alone, then side by side with the new one.
  for (let round = 0; round < 2; round += 1) await traffic.round('old alone, after', old);
  for (let round = 0; round < 2; round += 1) {
    await traffic.round('side by side', old, next);
    await traffic.round('side by side', next, old);
  }

  // 4. An old instance that restarts mid-rollout starts on the migrated database (its migrator
  // meets a migration it does not know) and serves beside the new one.
  const restarted = await startCivitas(t, { label: 'old, restarted', root: oldRoot, databaseUrl: database.url, baseUrl });
  balancer.backends.push(restarted);
  await traffic.round('old restarted, side by side', restarted, next);
  await traffic.round('old restarted, side by side', next, restarted);

  // 5. The old ones go: out of the load balancer, then SIGTERM, as a rollout drains and stops
  // them; the new one serves alone.
  balancer.backends.splice(0, balancer.backends.length, next);
  const finishing = traffic.keepGoing('new, while the old ones stop', () => [next]);
  await Promise.all([stopCivitas(old), stopCivitas(restarted)]);
  await finishing.stop();
  await traffic.round('new alone, after', next);

  // Everything made by either release is there for the new one, and every email is delivered by
  // one worker or another, whichever release enqueued it.
  for (const payment of traffic.payments) await traffic.readPayment(next, payment);
  const notifyClient = new NotifyClient(next.baseUrl, setup.notifyKey?.key as string);
  let undelivered: string[] = [...traffic.notifications];
  for (let attempt = 0; attempt < 600 && undelivered.length > 0; attempt += 1) {
    const statuses = await Promise.all(undelivered.map(async (id) => ({ id, status: (await notifyClient.getNotificationById(id)).data.status })));
    const failed = statuses.filter(({ status }) => /failure/.test(status));
    assert.deepEqual(failed, [], 'no email failed');
    undelivered = statuses.filter(({ status }) => status !== 'delivered').map(({ id }) => id);
    if (undelivered.length > 0) await sleep(100);
  }
  assert.deepEqual(undelivered, [], 'every email accepted by either release was delivered');
  await stopCivitas(next);

  for (const civitas of [old, restarted, next]) assert.deepEqual(civitas.errors(), [], `${civitas.label} logged no error`);
  const problems = traffic.outcomes.filter((outcome) => outcome.problem);
  assert.deepEqual(problems, [], 'every request was answered as it should be');

  const count = (phase: string, filter: (outcome: Outcome) => boolean = () => true) =>
    traffic.outcomes.filter((outcome) => outcome.phase === phase && filter(outcome)).length;
  const duringPhase = 'old, while the new one starts and migrates';
  const beforeCommit = count(duringPhase, (outcome) => outcome.endedAt < appliedAt);
  const afterCommit = count(duringPhase, (outcome) => outcome.startedAt > appliedAt);
  assert.ok(count(duringPhase) > 0, 'the old release answered requests while the new one started and migrated');
  const phases = [...new Set(traffic.outcomes.map((outcome) => outcome.phase))];
  t.diagnostic(phases.map((phase) => `${phase}: ${count(phase)} requests`).join('; '));
  t.diagnostic(
    `while the new release started: ${roundsDuring} rounds on the old one, ${beforeCommit} requests answered before the migration was applied and ${afterCommit} after; ` +
      `${traffic.payments.length} payments and ${traffic.notifications.length} emails, all read back and delivered; ` +
      `warnings logged: ${[old, restarted, next].map((civitas) => `${civitas.label} ${civitas.warnings().length}`).join(', ')}`,
  );
});
