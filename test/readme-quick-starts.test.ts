/**
 * The README's quick starts are the first thing a newcomer runs, so they run here as written:
 * every ```sh block the README marks with `<!-- quick start: ... -->` is run by bash, in a fresh
 * folder (with the repository's node_modules and scripts, as in a clone after `npm install`), against a
 * Civitas started as `npm start` starts it, on a database of its own. `npx civitas` runs the
 * repository's bin/civitas.js, as npx would; the only change made to the text is the port.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SANDBOX_TEST_CARDS } from '../src/modules/pay/providers/sandbox.provider.ts';
import { createTestDatabase } from '../src/platform/testing/test-database.ts';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const QUICK_START_MARKER = /^<!-- quick start:[^>]*-->\n```sh\n([\s\S]*?)\n```$/gm;

/** The marked sh blocks under a `## ` heading, in order. */
function quickStartsOf(heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.notEqual(start, -1, `README has a "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(QUICK_START_MARKER)].map((match) => match[1] as string);
}

async function findFreePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

type Newcomer = { folder: string; port: number; baseUrl: string; environment: NodeJS.ProcessEnv; startupOutput(): string };

/** A fresh folder, and Civitas started in it as `npm start` does (node src/main.ts), on a database of its own. */
async function startCivitas(t: TestContext, settings: NodeJS.ProcessEnv = {}): Promise<Newcomer> {
  const folder = mkdtempSync(join(tmpdir(), 'civitas-readme-'));
  symlinkSync(join(root, 'node_modules'), join(folder, 'node_modules'), 'dir');
  symlinkSync(join(root, 'scripts'), join(folder, 'scripts'), 'dir');
  const database = await createTestDatabase();
  const port = await findFreePort();
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    // npm puts the project's node_modules/.bin (the Node.js 24 of the `node` dependency) first.
    PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    NODE_ENV: 'development',
    DATABASE_URL: database.url,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    NOTIFY_LETTER_FOLDER: join(folder, 'data', 'letters'),
    AUDIT_CHECKPOINT_FILE: join(folder, 'data', 'audit-checkpoints.jsonl'),
  };
  for (const name of ['BASE_URL', 'HOST', 'SMTP_URL', 'NOTIFY_SMS_GATEWAY_URL', 'METRICS_PORT']) delete environment[name];
  Object.assign(environment, typeof settings.BASE_URL === 'string' ? { ...settings, BASE_URL: settings.BASE_URL.replace('PORT', String(port)) } : settings);
  const child = spawn(process.execPath, [join(root, 'src', 'main.ts')], { cwd: folder, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await database.drop();
    rmSync(folder, { recursive: true, force: true });
  });
  const baseUrl = `http://localhost:${port}`;
  // Ready once it has printed where it listens (after the web server and its database are up).
  for (let attempt = 0; !/^Civitas is listening/m.test(output); attempt += 1) {
    if (child.exitCode !== null || attempt > 1200) assert.fail(`Civitas did not start:\n${output}`);
    await sleep(50);
  }
  return { folder, port, baseUrl, environment, startupOutput: () => output };
}

/** Runs the blocks, in order, in one bash with `set -euo pipefail`; `npx civitas` is bin/civitas.js. */
async function runAsWritten(newcomer: Newcomer, blocks: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const script = [
    'set -euo pipefail',
    `npx() { if [ "$1" = civitas ]; then shift; node ${JSON.stringify(join(root, 'bin', 'civitas.js'))} "$@"; else command npx "$@"; fi; }`,
    ...blocks.map((block) => block.replaceAll('http://localhost:3000', newcomer.baseUrl)),
  ].join('\n');
  const child = spawn('bash', ['-c', script], { cwd: newcomer.folder, env: newcomer.environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, `the quick start failed:\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
  return { stdout, stderr };
}

// The two quick starts run side by side, each against a Civitas of its own.
describe('the README quick starts', { concurrency: 2 }, () => {
  test("the README's Notify quick start runs as written: the email it sends is in the outbox", async (t) => {
    const blocks = quickStartsOf('Notify');
    assert.ok(blocks.length >= 2, 'the set-up and the sending are marked as quick starts');
    assert.ok(readme.includes('`npx civitas notify --help` lists every command'));
    const newcomer = await startCivitas(t);
    assert.match(newcomer.startupOutput(), new RegExp(`^Civitas is listening at ${newcomer.baseUrl}$`, 'm'), 'one plain line says where');
    assert.doesNotMatch(newcomer.startupOutput(), /BASE_URL is set to the development default/);

    const { stdout } = await runAsWritten(newcomer, blocks);
    const lines = stdout.trim().split('\n');
    assert.ok(lines.includes('Team member added.'), stdout);
    assert.equal(lines.at(-1), 'Your application HDJ2123F', 'the client printed the subject Notify answered');
    assert.ok(!readme.includes('sign-in-link'), 'team members sign in through the console, not with a link');

    const outbox = await (await fetch(`${newcomer.baseUrl}/development/outbox`, { headers: { accept: 'text/html' } })).text();
    assert.match(outbox, /you@example\.gov\.uk/);
    const message = /href="(\/development\/outbox\/[0-9a-f-]{36})">Your application HDJ2123F</.exec(outbox);
    assert.ok(message, 'the email is listed by its subject');
    const shown = await (await fetch(`${newcomer.baseUrl}${message[1]}`, { headers: { accept: 'text/html' } })).text();
    assert.match(shown, /Dear Ffion,/, "the body file's content, personalised");
    assert.match(shown, /Your reference is HDJ2123F\./);
  });

  test("the README's Exchange quick start runs as written: the example council's signed call comes back cut to status and rate, and the agency's system refuses a call that did not come through Civitas", async (t) => {
    const blocks = quickStartsOf('Exchange: data between public bodies (X-Road model)');
    assert.equal(blocks.length, 1, 'the walk-through of the built-in example is marked');
    const newcomer = await startCivitas(t);
    const { stdout } = await runAsWritten(newcomer, blocks);
    assert.match(stdout, /^Client subsystem: GB-DEV\/GOV\/DEMO-COUNCIL\/blue-badge$/m);
    assert.match(stdout, /^200$/m, stdout);
    assert.match(stdout, /^x-road-request-hash: \S+$/m);
    assert.match(stdout, /^\{"status":"awarded","rate":\{"daily_living":"standard","mobility":"enhanced"\}\}$/m, 'cut to the agreed fields');
    assert.match(stdout, /^HTTP\/1\.1 401 /m);
    // The call asks with Alex's date of birth and name (demo show prints the URL); the answer carries neither.
    assert.doesNotMatch(stdout, /"name"|"date_of_birth"|ZZ1 1AA|assessment/);
  });

  test("the README's Pay quick start runs as written: the payment it creates has a payment page, and its test cards are the sandbox's", async (t) => {
    const blocks = quickStartsOf('Pay');
    assert.ok(blocks.length >= 1, 'the Pay quick start is marked');
    // Set as an operator would set it: no warning calls it the development default.
    const newcomer = await startCivitas(t, { BASE_URL: 'http://localhost:PORT' });
    assert.match(newcomer.startupOutput(), new RegExp(`^Civitas is listening at ${newcomer.baseUrl}$`, 'm'));
    assert.doesNotMatch(newcomer.startupOutput(), /BASE_URL/, 'no warning about BASE_URL set to this machine in development');
    const { stdout } = await runAsWritten(newcomer, blocks);
    const nextUrl = stdout.trim().split('\n').at(-1) as string;
    assert.match(nextUrl, new RegExp(`^${newcomer.baseUrl}/pay/secure/`), `the curl printed the payment page's address:\n${stdout}`);
    const opened = await fetch(nextUrl, { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.equal(opened.status, 303);
    const cookie = opened.headers.getSetCookie().map((header) => header.split(';')[0]).join('; ');
    const page = await fetch(new URL(opened.headers.get('location') as string, newcomer.baseUrl), { headers: { accept: 'text/html', cookie } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Enter card details/);

    // Every card the README lists is one of the sandbox's, doing what the README says it does.
    const words: Record<(typeof SANDBOX_TEST_CARDS)[number]['outcome'], RegExp> = {
      success: /^(Paid|Paid, then disputed and (lost|won))\b/,
      declined: /^Declined$/,
      expired_card: /^Declined: the card has expired$/,
      incorrect_security_code: /^Declined: incorrect security code$/,
      processing_error: /^An error/,
      three_ds: /^Asks for 3-D Secure/,
    };
    const section = readme.slice(readme.indexOf('\n## Pay\n'), readme.indexOf('\n## ', readme.indexOf('\n## Pay\n') + 1));
    const listed = [...section.matchAll(/^\| `(\d{14,16})` \| ([^|]+?) \|$/gm)].map((match) => ({ number: match[1] as string, effect: (match[2] as string).trim() }));
    assert.ok(listed.length >= 8, `the README lists the test cards:\n${section}`);
    for (const { number, effect } of listed) {
      const card = SANDBOX_TEST_CARDS.find((candidate) => candidate.number === number);
      assert.ok(card, `${number} is a sandbox test card`);
      assert.match(effect, words[card.outcome], `${number}: ${card.outcome}`);
    }
    for (const outcome of Object.keys(words)) {
      assert.ok(listed.some(({ number }) => SANDBOX_TEST_CARDS.find((card) => card.number === number)?.outcome === outcome), `a card for ${outcome} is listed`);
    }
    assert.ok(listed.some(({ effect }) => /disputed and lost/.test(effect)) && listed.some(({ effect }) => /disputed and won/.test(effect)));
  });
});
