/**
 * `npm run soak` (`node bench/soak.ts`): Civitas under a steady mix of real traffic for a set time,
 * to show that it holds: no errors, latencies that stay put, memory that stays flat.
 *
 * The mix, each at a fixed rate (open loop; a kind whose requests pile up past its cap skips its
 * turn and says so), every step over real HTTP as a browser or a service sends it:
 * - sign-in: One Login's pages as a person without JavaScript walks them: /authorize, email,
 *   password (Argon2id), authenticator-app code, back to the service with a code;
 * - token: a signed-in browser asks again for another service (single sign-on, straight back with
 *   a code), then the service exchanges the code at /token with private_key_jwt (ES256);
 * - notify-email, notify-sms: POST /v2/notifications/{email,sms} with a live key (HS256 JWT), then
 *   delivery: emails over SMTP to a server this script runs (each found by its Message-ID, the
 *   notification id), texts to an HTTP SMS gateway this script runs, which sends its delivery
 *   receipt back a second later, as a gateway does;
 * - payment: POST /v1/payments, next_url, the hosted card page with the sandbox's 4242 card,
 *   confirm, back to the service's return_url;
 * - page: the home page (English and Welsh), the start pages and the site's content pages.
 *
 * Set-ups (`--setup sqlite|postgres|both`, default sqlite, both when a PostgreSQL URL is given):
 * - sqlite: one `node src/main.ts` with its workers, on a SQLite file in a temporary folder;
 * - postgres: two web processes (RUN_WORKERS=false) behind a round-robin TCP balancer in this
 *   script, and one `node src/cli.ts worker`, on a database of their own (`civitas_soak_<pid>`,
 *   created on the server of `--postgres URL` or SOAK_POSTGRES_URL, dropped at the end).
 *
 * Reports throughput and p50/p95/p99 per kind and per step, every error (its request, status
 * and the head of its body), every log line at warn or above, and over time: each process's RSS
 * and heap (its /metrics, METRICS_PORT, beside /proc), the job queue and the database's size.
 * Memory growth compares the last 10% of samples with the first 10% after warm-up (default the
 * first 20% of the run): RSS by their median, heap used by its floor (their least, just after a
 * collection). Exits 1 if there was any error.
 *
 * Options: --minutes N (or SOAK_MINUTES; default 10; 0.2 is a quick smoke run), --warm-up-minutes,
 * --rate-scale X (every rate times X), --sample-seconds N, --setup, --postgres URL.
 */
import { randomBytes, randomUUID, createHmac } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel, type Kernel } from '../src/platform/kernel.ts';
import { createFormClient, errorSummary, pageHeading, type FormClient, type FormPage } from '../src/modules/identity/testing/form-client.ts';
import { createTestAccount, registerTestClient, type TestAccount, type TestRelyingParty } from '../src/modules/identity/testing/identity-test-kit.ts';
import { clientAssertion, privateKeyJwtFields } from '../src/modules/identity/provider/relying-party.test-kit.ts';
import { notifyCoreOf } from '../src/modules/notify/notify.core-cache.ts';
import { payServicesOf } from '../src/modules/pay/pay-services.ts';
import { CARD_FORM } from '../src/modules/pay/testing/pay-test-support.ts';
import { findFreePort, percentile, residentMemoryMb } from './bench-support.ts';

const root = join(import.meta.dirname, '..');

// ---------------------------------------------------------------------------------------------
// Options

const { values: options } = parseArgs({
  options: {
    minutes: { type: 'string' },
    'warm-up-minutes': { type: 'string' },
    'rate-scale': { type: 'string', default: '1' },
    'sample-seconds': { type: 'string' },
    setup: { type: 'string' },
    postgres: { type: 'string' },
  },
});

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`soak: ${name} must be a positive number, not ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}

const MINUTES = positiveNumber('--minutes', options.minutes ?? process.env.SOAK_MINUTES, 10);
const RUN_MS = MINUTES * 60_000;
const WARM_UP_MS = positiveNumber('--warm-up-minutes', options['warm-up-minutes'], MINUTES * 0.2) * 60_000;
const RATE_SCALE = positiveNumber('--rate-scale', options['rate-scale'], 1);
// Enough samples in a short run to say something, and no more than one each 10 s in a long one.
const SAMPLE_MS = positiveNumber('--sample-seconds', options['sample-seconds'], Math.min(10, Math.max(1, MINUTES * 60 / 60))) * 1000;
const POSTGRES_URL = options.postgres ?? process.env.SOAK_POSTGRES_URL ?? '';
const SETUP = options.setup ?? (POSTGRES_URL ? 'both' : 'sqlite');
if (!['sqlite', 'postgres', 'both'].includes(SETUP)) {
  process.stderr.write(`soak: --setup must be sqlite, postgres or both\n`);
  process.exit(2);
}
if (SETUP !== 'sqlite' && !POSTGRES_URL) {
  process.stderr.write('soak: --setup postgres needs --postgres URL or SOAK_POSTGRES_URL (a server where it may create a database)\n');
  process.exit(2);
}
if (WARM_UP_MS >= RUN_MS) {
  process.stderr.write('soak: the warm-up must be shorter than the run\n');
  process.exit(2);
}

/** Each kind's rate (operations a second) and how many may be in flight at once before it skips. */
const MIX = {
  'sign-in': { rate: 0.5, cap: 10 },
  token: { rate: 2, cap: 20 },
  'notify-email': { rate: 4, cap: 40 },
  'notify-sms': { rate: 2, cap: 40 },
  payment: { rate: 1, cap: 20 },
  page: { rate: 5, cap: 40 },
} as const;
type Kind = keyof typeof MIX;
const KINDS = Object.keys(MIX) as Kind[];
const ACCOUNTS = 100;
const REQUEST_TIMEOUT_MS = 30_000;
/** How long accepted notifications may take to arrive once the load stops. */
const DRAIN_MS = 120_000;

// ---------------------------------------------------------------------------------------------
// What is measured

type Failure = { kind: string; step: string; request: string; status: number | string; bodyHead: string; at: number };

function createRecorder() {
  const operations = new Map<string, number[]>();
  const steps = new Map<string, number[]>();
  const failures: Failure[] = [];
  const skipped = new Map<string, number>();
  let startedAt = 0;
  return {
    operations,
    steps,
    failures,
    skipped,
    start() {
      startedAt = performance.now();
    },
    elapsed: () => performance.now() - startedAt,
    operation(kind: string, ms: number) {
      (operations.get(kind) ?? operations.set(kind, []).get(kind)!).push(ms);
    },
    step(name: string, ms: number) {
      (steps.get(name) ?? steps.set(name, []).get(name)!).push(ms);
    },
    fail(failure: Omit<Failure, 'at'>) {
      failures.push({ ...failure, at: performance.now() - startedAt });
    },
    skip(kind: string) {
      skipped.set(kind, (skipped.get(kind) ?? 0) + 1);
    },
  };
}
type Recorder = ReturnType<typeof createRecorder>;

/** An error in a step: what was asked, what came back. Thrown by a step, recorded by its operation. */
class StepError extends Error {
  readonly step: string;
  readonly request: string;
  readonly status: number | string;
  readonly bodyHead: string;
  constructor(step: string, request: string, status: number | string, bodyHead: string) {
    super(`${step}: ${request} answered ${status}`);
    this.step = step;
    this.request = request;
    this.status = status;
    this.bodyHead = bodyHead;
  }
}

/** The first few hundred characters a person would read: an HTML page's heading, error summary and main text; JSON as it is. */
function headOf(body: string): string {
  if (/<html/i.test(body)) {
    const page: FormPage = { url: '', status: 0, html: body };
    const main = /<main[\s\S]*?>([\s\S]*?)<\/main>/i.exec(body)?.[1] ?? body;
    const text = main.replace(/<script[\s\S]*?<\/script>/gi, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    return `[h1: ${pageHeading(page)}] [errors: ${errorSummary(page).join('; ')}] ${text}`.slice(0, 400);
  }
  return body.replace(/\s+/g, ' ').slice(0, 400);
}

// ---------------------------------------------------------------------------------------------
// The outside world Civitas talks to: an SMTP server and an SMS gateway, both in this process

type Deliveries = {
  /** When each notification's request was sent, by its id (once its 201 came back). */
  sentAt: Map<string, { kind: 'notify-email' | 'notify-sms'; at: number }>;
  /** When each arrived, by id (it may arrive before the 201 is read). */
  arrivedAt: Map<string, number>;
  arrivals: { email: number; sms: number; otherEmail: number; duplicates: number };
};

async function startSmtpSink(deliveries: Deliveries, onArrival: (id: string) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 1000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      // Notify's emails go to person…@example.com; Pay's confirmations to payer…@example.com.
      const fromNotify = session.envelope.rcptTo.some((recipient) => recipient.address.startsWith('person'));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const id = /^Message-ID: <([0-9a-f-]{36})@civitas>/im.exec(raw)?.[1];
        if (id && fromNotify) {
          if (deliveries.arrivedAt.has(id)) deliveries.arrivals.duplicates += 1;
          else {
            deliveries.arrivedAt.set(id, performance.now());
            deliveries.arrivals.email += 1;
            onArrival(id);
          }
        } else deliveries.arrivals.otherEmail += 1;
        callback();
      });
    },
  });
  server.on('error', () => {});
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as { port: number };
  return { url: `smtp://127.0.0.1:${port}?tls=none`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** An SMS gateway as Notify's HTTP provider expects one; it sends the delivery receipt a second later. */
async function startSmsGateway(options: {
  token: string;
  deliveries: Deliveries;
  receiptsUrl: () => string;
  recorder: Recorder;
  onArrival: (id: string) => void;
}): Promise<{ url: string; pendingReceipts: () => number; close(): Promise<void> }> {
  const { deliveries, recorder } = options;
  let pendingReceipts = 0;
  async function sendReceipt(reference: string): Promise<void> {
    pendingReceipts += 1;
    try {
      // A receipt may come before the worker has written the provider's reference: retry, as gateways do.
      for (let attempt = 1; ; attempt += 1) {
        await sleep(1000);
        const started = performance.now();
        let status: number | string;
        let body = '';
        try {
          const response = await fetch(options.receiptsUrl(), {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
            body: JSON.stringify({ id: reference, status: 'delivered' }),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          status = response.status;
          body = await response.text();
        } catch (error) {
          status = (error as Error).name;
          body = (error as Error).message;
        }
        recorder.step('sms gateway: POST /notify/sms-gateway/receipts', performance.now() - started);
        if (typeof status === 'number' && status >= 200 && status < 300) return;
        if (attempt >= 5) {
          recorder.fail({ kind: 'notify-sms', step: 'delivery receipt', request: `POST /notify/sms-gateway/receipts {"id":"${reference}","status":"delivered"}`, status, bodyHead: headOf(body) });
          return;
        }
      }
    } finally {
      pendingReceipts -= 1;
    }
  }
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.headers.authorization !== `Bearer ${options.token}`) {
        response.writeHead(401).end();
        return;
      }
      let reference = '';
      try {
        reference = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { reference?: unknown }).reference ?? '');
      } catch {
        // counted below as a message without a reference
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      if (!reference) return;
      if (deliveries.arrivedAt.has(reference)) {
        deliveries.arrivals.duplicates += 1;
        return;
      }
      deliveries.arrivedAt.set(reference, performance.now());
      deliveries.arrivals.sms += 1;
      options.onArrival(reference);
      void sendReceipt(reference);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/messages`,
    pendingReceipts: () => pendingReceipts,
    close: () => closeHttpServer(server),
  };
}

function closeHttpServer(server: HttpServer): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A load balancer in front of several web processes: round robin, one backend per connection. */
async function startBalancer(ports: number[]): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let next = 0;
  const server: TcpServer = createTcpServer((client) => {
    const backend = connect(ports[next++ % ports.length] as number, '127.0.0.1');
    sockets.add(client).add(backend);
    const end = () => {
      client.destroy();
      backend.destroy();
      sockets.delete(client);
      sockets.delete(backend);
    };
    client.on('error', end).on('close', end);
    backend.on('error', end).on('close', end);
    client.pipe(backend).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Civitas processes

/** What an interrupted run (Ctrl-C) must still undo: the processes it started, its database, its folder. */
const leftBehind = { children: new Set<ChildProcess>(), undo: [] as Array<() => Promise<void>> };
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`soak: ${signal}; stopping the Civitas processes and removing what this run made\n`);
    for (const child of leftBehind.children) child.kill('SIGKILL');
    void Promise.allSettled(leftBehind.undo.map((undo) => undo())).then(() => process.exit(130));
  });
}

type CivitasProcess = {
  name: string;
  child: ChildProcess;
  metricsUrl: string;
  logs: { warn: number; error: number; examples: string[] };
};

function startCivitasProcess(name: string, script: string[], environment: Record<string, string>, metricsPort: number): CivitasProcess {
  const child = spawn(process.execPath, script, {
    cwd: root,
    env: { ...process.env, ...environment, METRICS_PORT: String(metricsPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  leftBehind.children.add(child);
  child.once('exit', () => leftBehind.children.delete(child));
  const logs = { warn: 0, error: 0, examples: [] as string[] };
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => {
      // A line that is not pino's JSON: a start-up warning, a crash (an error and its stack), or a
      // plain message for the person who started it ("Civitas is listening on …").
      let level = /^Warning: /.test(line) ? 40 : /error|exception|^\s+at /i.test(line) ? 50 : 30;
      try {
        level = Number((JSON.parse(line) as { level?: unknown }).level ?? 50);
      } catch {
        // not JSON
      }
      if (level >= 50) logs.error += 1;
      else if (level >= 40) logs.warn += 1;
      else return;
      if (logs.examples.length < 5) logs.examples.push(line.slice(0, 600));
    });
  }
  return { name, child, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, logs };
}

async function waitForReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`a Civitas process exited (${child.exitCode}) before ${url} answered`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

async function stopCivitasProcess(civitas: CivitasProcess): Promise<number | null> {
  const { child } = civitas;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const deadline = setTimeout(() => child.kill('SIGKILL'), 40_000);
  await exited;
  clearTimeout(deadline);
  return child.exitCode;
}

/** The figures read from a process's /metrics: memory, and (any one process has them) the job table. */
async function scrapeMetrics(url: string): Promise<{ rss: number; heapUsed: number; heapTotal: number; jobsDue: number; jobsRunning: number; jobsFailed: number; jobFailures: number } | undefined> {
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
    const sum = (pattern: RegExp) =>
      [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
    return {
      rss: sum(/^civitas_process_resident_memory_bytes (\S+)$/gm),
      heapUsed: sum(/^civitas_nodejs_heap_size_used_bytes (\S+)$/gm),
      heapTotal: sum(/^civitas_nodejs_heap_size_total_bytes (\S+)$/gm),
      jobsDue: sum(/^civitas_jobs\{[^}]*state="due"[^}]*\} (\S+)$/gm),
      jobsRunning: sum(/^civitas_jobs\{[^}]*state="running"[^}]*\} (\S+)$/gm),
      jobsFailed: sum(/^civitas_jobs\{[^}]*state="failed"[^}]*\} (\S+)$/gm),
      jobFailures: sum(/^civitas_job_failures_total\{[^}]*\} (\S+)$/gm),
    };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The traffic

type Traffic = {
  baseUrl: string;
  rp: TestRelyingParty;
  accounts: TestAccount[];
  notify: { serviceId: string; secret: string; emailTemplateId: string; smsTemplateId: string };
  payKey: string;
};

let addressCounter = 0;
/** A client address of its own for each person (X-Forwarded-For, as the load balancer would add). */
function nextAddress(): string {
  addressCounter += 1;
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
}

function notifyToken(serviceId: string, secret: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ typ: 'JWT', alg: 'HS256' })}.${encode({ iss: serviceId, iat: Math.floor(Date.now() / 1000) })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function createTraffic(traffic: Traffic, recorder: Recorder, deliveries: Deliveries) {
  const { baseUrl, rp } = traffic;
  const signedIn: FormClient[] = [];
  const codes: string[] = [];
  let accountCursor = 0;
  let browserCursor = 0;
  let pageCursor = 0;
  let sequence = 0;

  /** Times one step; turns a thrown error (a network failure, a timeout) into a StepError. */
  async function timed<T>(step: string, request: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } catch (error) {
      if (error instanceof StepError) throw error;
      throw new StepError(step, request, (error as Error).name, (error as Error).message);
    } finally {
      recorder.step(step, performance.now() - started);
    }
  }

  function expectPage(step: string, request: string, page: FormPage, check: (page: FormPage) => boolean): FormPage {
    if (!check(page)) throw new StepError(step, `${request} (ended at ${page.url})`, page.status, headOf(page.html));
    return page;
  }

  function authorizeUrl(): string {
    const url = new URL('/authorize', baseUrl);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: rp.clientId,
      redirect_uri: rp.redirectUri,
      scope: 'openid email',
      state: randomUUID(),
      nonce: randomUUID(),
    }).toString();
    return url.toString();
  }

  function codeOf(step: string, page: FormPage): string {
    const callback = new URL(page.url);
    const code = callback.searchParams.get('code');
    if (`${callback.origin}${callback.pathname}` !== rp.redirectUri || !code) {
      throw new StepError(step, `back to the service (ended at ${page.url})`, page.status, headOf(page.html));
    }
    return code;
  }

  async function signIn(): Promise<void> {
    const account = traffic.accounts[accountCursor++ % traffic.accounts.length] as TestAccount;
    const browser = createFormClient(baseUrl, { headers: { 'x-forwarded-for': nextAddress() } });
    const start = await timed('sign-in: GET /authorize -> start page', 'GET /authorize', async () =>
      expectPage('sign-in: GET /authorize -> start page', 'GET /authorize', await browser.get(authorizeUrl()), (page) => page.status === 200 && pageHeading(page) === 'Create your One Login or sign in'),
    );
    const emailPage = await timed('sign-in: GET email page', `GET ${start.url}/email`, async () =>
      expectPage('sign-in: GET email page', `GET ${start.url}/email`, await browser.get(`${start.url}/email`), (page) => page.status === 200),
    );
    const passwordPage = await timed('sign-in: POST email', `POST ${emailPage.url}`, async () =>
      expectPage('sign-in: POST email', `POST ${emailPage.url}`, await browser.submit(emailPage, { email: account.email }), (page) => pageHeading(page) === 'Enter your password'),
    );
    const codePage = await timed('sign-in: POST password', `POST ${passwordPage.url}`, async () =>
      expectPage('sign-in: POST password', `POST ${passwordPage.url}`, await browser.submit(passwordPage, { password: account.password }), (page) => pageHeading(page) === 'Enter the security code'),
    );
    const code = await account.nextCode();
    const callback = await timed('sign-in: POST security code -> service', `POST ${codePage.url}`, () => browser.submit(codePage, { code }));
    codes.push(codeOf('sign-in: POST security code -> service', callback));
    // The newest signed-in browsers ask again for other services (the token kind).
    signedIn.push(browser);
    if (signedIn.length > 50) signedIn.shift();
  }

  async function exchangeToken(): Promise<void> {
    let code = codes.shift();
    if (code === undefined) {
      const browser = signedIn[browserCursor++ % Math.max(1, signedIn.length)];
      if (!browser) throw new StepError('token: single sign-on', 'GET /authorize', 'no signed-in browser yet', '');
      code = await timed('token: GET /authorize (signed in) -> service', 'GET /authorize', async () => codeOf('token: GET /authorize (signed in) -> service', await browser.get(authorizeUrl())));
    }
    const assertion = await clientAssertion({ clientId: rp.clientId, audience: `${baseUrl}/token`, key: rp.privateKey, alg: 'ES256' });
    await timed('token: POST /token (private_key_jwt)', 'POST /token', async () => {
      const response = await fetch(`${baseUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', ...privateKeyJwtFields(code, rp.redirectUri, assertion) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = await response.text();
      if (response.status !== 200 || !/"id_token"/.test(body) || !/"access_token"/.test(body)) {
        throw new StepError('token: POST /token (private_key_jwt)', 'POST /token grant_type=authorization_code', response.status, headOf(body));
      }
    });
  }

  async function sendNotification(kind: 'notify-email' | 'notify-sms'): Promise<void> {
    sequence += 1;
    const email = kind === 'notify-email';
    const path = email ? '/v2/notifications/email' : '/v2/notifications/sms';
    const reference = `soak-${sequence}`;
    // Ofcom's drama numbers, clear of Notify's smoke-test ones (07700900000, …111, …222: answered
    // 201 but neither stored nor sent, as GOV.UK Notify does) and its simulated failures (…002, …003).
    const payload = email
      ? { template_id: traffic.notify.emailTemplateId, email_address: `person${sequence % 10_000}@example.com`, personalisation: { name: 'Ffion', reference }, reference }
      : { template_id: traffic.notify.smsTemplateId, phone_number: `07700900${300 + (sequence % 600)}`, personalisation: { code: String(100_000 + (sequence % 900_000)) }, reference };
    const sentAt = performance.now();
    await timed(`${kind}: POST ${path}`, `POST ${path}`, async () => {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${notifyToken(traffic.notify.serviceId, traffic.notify.secret)}`,
          'user-agent': 'NOTIFY-API-NODE-CLIENT/8.4.0',
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = await response.text();
      const id = response.status === 201 ? (JSON.parse(body) as { id?: string }).id : undefined;
      if (!id) throw new StepError(`${kind}: POST ${path}`, `POST ${path} ${JSON.stringify(payload).slice(0, 200)}`, response.status, headOf(body));
      deliveries.sentAt.set(id, { kind, at: sentAt });
      const arrived = deliveries.arrivedAt.get(id);
      if (arrived !== undefined) recordDelivery(id, arrived);
    });
  }

  function recordDelivery(id: string, arrivedAt: number): void {
    const sent = deliveries.sentAt.get(id);
    if (!sent) return; // its 201 has not been read yet: recorded then
    recorder.operation(sent.kind === 'notify-email' ? 'email delivered' : 'sms delivered', Math.max(0, arrivedAt - sent.at));
  }

  async function pay(): Promise<void> {
    sequence += 1;
    const returnUrl = `https://fishing.example.gov.uk/return/${sequence}`;
    const body = { amount: 1450, reference: `SOAK-${sequence}`, description: 'Annual rod licence', return_url: returnUrl, language: 'en' };
    const nextUrl = await timed('payment: POST /v1/payments', 'POST /v1/payments', async () => {
      const response = await fetch(`${baseUrl}/v1/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${traffic.payKey}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      const href = response.status === 201 ? (JSON.parse(text) as { _links?: { next_url?: { href?: string } } })._links?.next_url?.href : undefined;
      if (!href) throw new StepError('payment: POST /v1/payments', `POST /v1/payments ${JSON.stringify(body)}`, response.status, headOf(text));
      return href;
    });
    const browser = createFormClient(baseUrl, { headers: { 'x-forwarded-for': nextAddress() } });
    const path = new URL(nextUrl).pathname;
    const cardPage = await timed('payment: GET next_url -> card details page', `GET ${path}`, async () =>
      expectPage('payment: GET next_url -> card details page', `GET ${path}`, await browser.get(path), (page) => page.status === 200 && /\/pay\/card-details\/[^/]+$/.test(new URL(page.url).pathname)),
    );
    await timed('payment: POST card details', `POST ${new URL(cardPage.url).pathname}`, async () => {
      const response = await browser.post(cardPage, { ...CARD_FORM, email: `payer${sequence % 10_000}@example.com` });
      const location = response.headers.get('location') ?? '';
      if (response.status !== 303 || !location.endsWith('/confirm')) {
        throw new StepError('payment: POST card details', `POST ${new URL(cardPage.url).pathname} (card 4242…)`, response.status, `location ${location}; ${headOf(await response.text())}`);
      }
      await response.arrayBuffer().catch(() => {});
    });
    const confirmPage = await timed('payment: GET confirm page', `GET ${new URL(cardPage.url).pathname}/confirm`, async () =>
      expectPage('payment: GET confirm page', 'GET confirm', await browser.get(`${cardPage.url}/confirm`), (page) => page.status === 200 && /ending in 4242/.test(page.html)),
    );
    await timed('payment: POST confirm -> return_url', `POST ${new URL(confirmPage.url).pathname}`, async () => {
      const response = await browser.post(confirmPage, {});
      const location = response.headers.get('location') ?? '';
      if (response.status !== 303 || location !== returnUrl) {
        throw new StepError('payment: POST confirm -> return_url', `POST ${new URL(confirmPage.url).pathname}`, response.status, `location ${location}; ${headOf(await response.text())}`);
      }
      await response.arrayBuffer().catch(() => {});
    });
  }

  const PAGES = ['/', '/?lang=cy', '/demo-service', '/notify', '/pay', '/cookies', '/accessibility-statement', '/privacy'];
  async function viewPage(): Promise<void> {
    const path = PAGES[pageCursor++ % PAGES.length] as string;
    await timed(`page: GET ${path}`, `GET ${path}`, async () => {
      const response = await fetch(`${baseUrl}${path}`, {
        headers: { accept: 'text/html', 'x-forwarded-for': nextAddress() },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = await response.text();
      if (response.status !== 200 || !/<h1/.test(body)) throw new StepError(`page: GET ${path}`, `GET ${path}`, response.status, headOf(body));
    });
  }

  const operations: Record<Kind, () => Promise<void>> = {
    'sign-in': signIn,
    token: exchangeToken,
    'notify-email': () => sendNotification('notify-email'),
    'notify-sms': () => sendNotification('notify-sms'),
    payment: pay,
    page: viewPage,
  };
  return { operations, recordDelivery, signIn, signedIn };
}

/** Runs each kind at its rate until `until`; resolves when every operation started has ended. */
async function driveMix(options: { operations: Record<Kind, () => Promise<void>>; recorder: Recorder; until: number }): Promise<void> {
  const { recorder } = options;
  const inFlight = new Set<Promise<void>>();
  await Promise.all(
    KINDS.map(async (kind) => {
      const { rate, cap } = MIX[kind];
      const interval = 1000 / (rate * RATE_SCALE);
      let running = 0;
      // Spread the kinds' first requests over one interval, so they do not all start at once.
      let nextAt = performance.now() + Math.random() * interval;
      while (nextAt < options.until) {
        const wait = nextAt - performance.now();
        if (wait > 0) await sleep(wait);
        nextAt += interval;
        if (running >= cap) {
          recorder.skip(kind);
          continue;
        }
        running += 1;
        const started = performance.now();
        const operation = options.operations[kind]()
          .then(
            () => recorder.operation(kind, performance.now() - started),
            (error: unknown) => {
              if (error instanceof StepError) recorder.fail({ kind, step: error.step, request: error.request, status: error.status, bodyHead: error.bodyHead });
              else recorder.fail({ kind, step: '(the script)', request: '', status: 'exception', bodyHead: String((error as Error)?.stack ?? error).slice(0, 400) });
            },
          )
          .finally(() => {
            running -= 1;
            inFlight.delete(operation);
          });
        inFlight.add(operation);
      }
    }),
  );
  await Promise.all([...inFlight]);
}

// ---------------------------------------------------------------------------------------------
// One set-up, start to end

type Sample = { at: number; loadAverage: number; perProcess: Record<string, { rssMb: number; procRssMb: number; heapUsedMb: number; heapTotalMb: number } | undefined>; databaseMb: number; jobsDue: number; jobsRunning: number; jobsFailed: number; jobFailures: number };

type SetupResult = { name: string; errors: number; memoryGrowth: number; heapGrowth: number };

function median(values: number[]): number {
  return percentile(values, 0.5);
}

function formatMs(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

async function runSetup(setup: 'sqlite' | 'postgres'): Promise<SetupResult> {
  const directory = mkdtempSync(join(tmpdir(), `civitas-soak-${setup}-`));
  const databaseName = `civitas_soak_${process.pid}`;
  let databaseUrl: string;
  let admin: pg.Client | undefined;
  if (setup === 'postgres') {
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`create database ${databaseName}`);
    const adminClient = admin;
    leftBehind.undo.push(() => adminClient.query(`drop database if exists ${databaseName} with (force)`).then(() => adminClient.end()));
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${databaseName}`;
    databaseUrl = url.toString();
  } else {
    databaseUrl = `sqlite:${join(directory, 'civitas.sqlite')}`;
  }
  leftBehind.undo.push(async () => rmSync(directory, { recursive: true, force: true }));
  const smsToken = randomBytes(24).toString('base64url');
  const webPorts = setup === 'postgres' ? [await findFreePort(), await findFreePort()] : [await findFreePort()];

  const recorder = createRecorder();
  const deliveries: Deliveries = { sentAt: new Map(), arrivedAt: new Map(), arrivals: { email: 0, sms: 0, otherEmail: 0, duplicates: 0 } };
  let recordDelivery: (id: string, at: number) => void = () => {};
  const onArrival = (id: string) => recordDelivery(id, deliveries.arrivedAt.get(id) as number);
  let baseUrl = '';
  const smtp = await startSmtpSink(deliveries, onArrival);
  const gateway = await startSmsGateway({ token: smsToken, deliveries, receiptsUrl: () => `${baseUrl}/notify/sms-gateway/receipts`, recorder, onArrival });
  const balancer = webPorts.length > 1 ? await startBalancer(webPorts) : undefined;
  const publicPort = balancer?.port ?? (webPorts[0] as number);
  baseUrl = `http://127.0.0.1:${publicPort}`;

  const environment: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    BASE_URL: baseUrl,
    DATABASE_URL: databaseUrl,
    COOKIE_SECRET: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Civitas soak <no-reply@soak.example.gov.uk>',
    NOTIFY_SMS_GATEWAY_URL: gateway.url,
    NOTIFY_SMS_GATEWAY_TOKEN: smsToken,
    NOTIFY_LETTER_FOLDER: join(directory, 'letters'),
    AUDIT_CHECKPOINT_FILE: join(directory, 'audit-checkpoints.jsonl'),
    TRUST_PROXY: 'true',
  };

  process.stdout.write(`\n== ${setup === 'sqlite' ? 'SQLite, one process (web and workers)' : 'PostgreSQL, two web processes behind a balancer and one worker process'}; ${MINUTES} min, warm-up ${(WARM_UP_MS / 60_000).toFixed(1)} min, rates x${RATE_SCALE}\n`);

  // The service, its people and its API clients, made as operators would, before Civitas starts.
  const { config } = loadConfig(environment);
  const setupKernel: Kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
  await setupKernel.migrate();
  const rp = await registerTestClient(setupKernel, { scopes: ['openid', 'email'] });
  const accounts: TestAccount[] = [];
  for (let index = 0; index < ACCOUNTS; index += 1) accounts.push(await createTestAccount(setupKernel, `soak-person-${index}@example.com`));
  const core = notifyCoreOf(setupKernel);
  const service = await core.serviceAdmin.createService({ name: 'Soak', rateLimit: 10_000_000, actor: 'operator:soak' });
  await core.serviceAdmin.updateSettings({ serviceId: service.id, changes: { email_daily_limit: 100_000_000, sms_daily_limit: 100_000_000 }, actor: 'operator:soak' });
  const emailTemplate = await core.templates.create({
    serviceId: service.id, type: 'email', name: 'Application received', subject: 'Application ((reference))',
    body: '# Your application\n\nDear ((name)),\n\nWe have your application ((reference)).\n\n* one\n* two\n\nhttps://www.gov.uk/',
    createdBy: 'soak@example.gov.uk', actor: 'operator:soak',
  });
  const smsTemplate = await core.templates.create({ serviceId: service.id, type: 'sms', name: 'Code', body: 'Your code is ((code)).', createdBy: 'soak@example.gov.uk', actor: 'operator:soak' });
  const { key: notifyKey } = await core.serviceAdmin.createApiKey({ serviceId: service.id, keyType: 'normal', name: 'soak', actor: 'operator:soak' });
  const payServices = payServicesOf(setupKernel);
  const payAccount = await payServices.accounts.createAccount({ name: 'Soak', rateLimitPost: 1_000_000, rateLimitOther: 1_000_000, actor: 'operator:soak' });
  const { key: payKey } = await payServices.accounts.createKey({ accountId: payAccount.id, type: 'test', actor: 'operator:soak' });
  // SQLite: one process at a time, so this one steps aside; PostgreSQL: it stays to read the database's size.
  const sizeKernel = setup === 'postgres' ? setupKernel : undefined;
  if (setup === 'sqlite') await setupKernel.close();

  const processes: CivitasProcess[] = [];
  for (const [index, port] of webPorts.entries()) {
    processes.push(startCivitasProcess(webPorts.length > 1 ? `web-${index + 1}` : 'civitas', [join(root, 'src', 'main.ts')], {
      ...environment,
      PORT: String(port),
      RUN_WORKERS: setup === 'postgres' ? 'false' : 'true',
    }, await findFreePort()));
  }
  if (setup === 'postgres') processes.push(startCivitasProcess('worker', [join(root, 'src', 'cli.ts'), 'worker'], environment, await findFreePort()));
  for (const [index, port] of webPorts.entries()) await waitForReady(`http://127.0.0.1:${port}/readyz`, (processes[index] as CivitasProcess).child);
  for (const civitas of processes) await waitForReady(civitas.metricsUrl, civitas.child);

  const traffic = createTraffic(
    { baseUrl, rp, accounts, notify: { serviceId: service.id, secret: notifyKey.slice(-36), emailTemplateId: emailTemplate.id, smsTemplateId: smsTemplate.id }, payKey },
    recorder,
    deliveries,
  );
  recordDelivery = traffic.recordDelivery;
  // Two people signed in before the clock starts, so single sign-on has browsers from the first second.
  await traffic.signIn();
  await traffic.signIn();

  const databaseMb = async (): Promise<number> => {
    if (sizeKernel) {
      const result = await sql<{ size: string }>`select pg_database_size(current_database()) as size`.execute(sizeKernel.db).catch(() => undefined);
      return Number(result?.rows[0]?.size) / 1024 / 1024;
    }
    let bytes = 0;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        bytes += statSync(join(directory, `civitas.sqlite${suffix}`)).size;
      } catch {
        // no such file yet
      }
    }
    return bytes / 1024 / 1024;
  };

  const samples: Sample[] = [];
  const takeSample = async (): Promise<void> => {
    const sample: Sample = { at: recorder.elapsed(), loadAverage: loadavg()[0] as number, perProcess: {}, databaseMb: await databaseMb(), jobsDue: 0, jobsRunning: 0, jobsFailed: 0, jobFailures: 0 };
    let jobsRead = false;
    for (const civitas of processes) {
      const scraped = await scrapeMetrics(civitas.metricsUrl);
      let procRssMb = Number.NaN;
      try {
        procRssMb = residentMemoryMb(civitas.child.pid as number);
      } catch {
        // the process has gone
      }
      sample.perProcess[civitas.name] = scraped && { rssMb: scraped.rss / 1048576, procRssMb, heapUsedMb: scraped.heapUsed / 1048576, heapTotalMb: scraped.heapTotal / 1048576 };
      if (scraped) {
        sample.jobFailures += scraped.jobFailures;
        if (!jobsRead) {
          jobsRead = true;
          sample.jobsDue = scraped.jobsDue;
          sample.jobsRunning = scraped.jobsRunning;
          sample.jobsFailed = scraped.jobsFailed;
        }
      }
    }
    samples.push(sample);
  };

  // A line a minute (or ten in a short run) while it runs, so a long run shows how it goes.
  const progressMs = Math.max(SAMPLE_MS, Math.min(60_000, RUN_MS / 10));
  let lastProgress = { at: 0, counts: new Map<string, number>() };
  const printProgress = () => {
    const last = samples.at(-1);
    const counts = new Map([...recorder.operations].map(([kind, values]) => [kind, values.length]));
    const seconds = (recorder.elapsed() - lastProgress.at) / 1000;
    const rates = [...KINDS, 'email delivered', 'sms delivered'].map((kind) => `${kind} ${(((counts.get(kind) ?? 0) - (lastProgress.counts.get(kind) ?? 0)) / seconds).toFixed(1)}`).join(', ');
    const memory = last ? Object.entries(last.perProcess).map(([name, figures]) => `${name} ${figures ? `${figures.rssMb.toFixed(0)}/${figures.heapUsedMb.toFixed(0)}` : '?'}`).join(' ') : '';
    process.stdout.write(`  ${(recorder.elapsed() / 60_000).toFixed(1).padStart(5)} min  /s: ${rates}; errors ${recorder.failures.length}; RSS/heap MB: ${memory}; db ${last?.databaseMb.toFixed(1)} MB; jobs due ${last?.jobsDue}\n`);
    lastProgress = { at: recorder.elapsed(), counts };
  };

  recorder.start();
  const runStartedAt = performance.now();
  const sampler = (async () => {
    let nextProgress = progressMs;
    while (performance.now() - runStartedAt < RUN_MS) {
      await takeSample();
      if (recorder.elapsed() >= nextProgress) {
        printProgress();
        nextProgress += progressMs;
      }
      const wait = SAMPLE_MS - ((performance.now() - runStartedAt) % SAMPLE_MS);
      await sleep(Math.min(wait, Math.max(0, RUN_MS - (performance.now() - runStartedAt))));
    }
  })();
  await driveMix({ operations: traffic.operations, recorder, until: runStartedAt + RUN_MS });
  await sampler;
  await takeSample();
  const loadMs = performance.now() - runStartedAt;

  // Everything accepted must arrive: wait for the stragglers, then count what never came.
  const drainStarted = performance.now();
  const undelivered = () => [...deliveries.sentAt.keys()].filter((id) => !deliveries.arrivedAt.has(id));
  while ((undelivered().length > 0 || gateway.pendingReceipts() > 0) && performance.now() - drainStarted < DRAIN_MS) await sleep(200);
  const drainMs = performance.now() - drainStarted;
  const neverArrived = undelivered();
  const undeliveredCount = neverArrived.length;

  // Statuses as Civitas has them, read once the processes are stopped (SQLite) or while they run.
  const exitCodes: Record<string, number | null> = {};
  for (const civitas of [...processes].reverse()) {
    const crashed = civitas.child.exitCode !== null || civitas.child.signalCode !== null;
    exitCodes[civitas.name] = await stopCivitasProcess(civitas);
    if (crashed) recorder.fail({ kind: 'process', step: civitas.name, request: '', status: `exited during the run (${civitas.child.exitCode ?? civitas.child.signalCode})`, bodyHead: civitas.logs.examples.join(' | ').slice(0, 400) });
  }
  const finalKernel = sizeKernel ?? openKernel({ config, modules, logger: pino({ level: 'silent' }) });
  const notificationStatuses = (await sql<{ type: string; status: string; count: number }>`select type, status, count(*) as count from notify_notification group by type, status order by type, status`.execute(finalKernel.db)).rows;
  // What Civitas has of each notification that never arrived: its row, or none at all.
  for (const id of neverArrived.slice(0, 20)) {
    const row = (await sql<Record<string, unknown>>`select id, type, status, created_at, provider_reference from notify_notification where id = ${id}`.execute(finalKernel.db)).rows[0];
    const job = (await sql<Record<string, unknown>>`select count(*) as count from job where payload like ${`%${id}%`}`.execute(finalKernel.db).catch(() => ({ rows: [{ count: '?' }] }))).rows[0];
    recorder.fail({
      kind: deliveries.sentAt.get(id)?.kind as string,
      step: 'delivery',
      request: `notification ${id} (accepted 201 at ${((deliveries.sentAt.get(id)?.at ?? 0) - runStartedAt) / 1000} s)`,
      status: 'not delivered',
      bodyHead: `not delivered ${(DRAIN_MS / 1000).toFixed(0)} s after the load stopped; in the database: ${row ? JSON.stringify(row) : 'no such notification'}; jobs naming it: ${job?.count}`,
    });
  }
  if (undeliveredCount > 20) recorder.fail({ kind: 'notify', step: 'delivery', request: `${undeliveredCount - 20} more notifications`, status: 'not delivered', bodyHead: '' });
  const paymentStatuses = (await sql<{ status: string; count: number }>`select status, count(*) as count from pay_payment group by status order by status`.execute(finalKernel.db).catch(() => ({ rows: [] }))).rows;
  const finalDatabaseMb = await databaseMb();
  await finalKernel.close();

  await Promise.all([smtp.close(), gateway.close(), balancer?.close()]);
  leftBehind.undo.length = 0;
  if (admin) {
    await admin.query(`drop database if exists ${databaseName} with (force)`);
    await admin.end();
  }
  if (process.env.SOAK_KEEP) process.stdout.write(`Kept ${directory} (SOAK_KEEP)\n`);
  else rmSync(directory, { recursive: true, force: true });

  // ------------------------------------------------------------------------------------------
  // The report

  const seconds = loadMs / 1000;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`\nThroughput and latency of whole operations, over ${seconds.toFixed(0)} s (ms):`);
  out(`  ${'kind'.padEnd(18)} ${'done'.padStart(7)} ${'per s'.padStart(7)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)} ${'errors'.padStart(7)} ${'skipped'.padStart(8)}`);
  for (const kind of [...KINDS, 'email delivered', 'sms delivered']) {
    const values = recorder.operations.get(kind) ?? [];
    const errors = recorder.failures.filter((failure) => failure.kind === kind && failure.step !== 'delivery').length;
    out(`  ${kind.padEnd(18)} ${String(values.length).padStart(7)} ${(values.length / seconds).toFixed(2).padStart(7)} ${formatMs(percentile(values, 0.5)).padStart(7)} ${formatMs(percentile(values, 0.95)).padStart(7)} ${formatMs(percentile(values, 0.99)).padStart(7)} ${formatMs(values.length > 0 ? Math.max(...values) : Number.NaN).padStart(7)} ${String(errors).padStart(7)} ${String(recorder.skipped.get(kind) ?? 0).padStart(8)}`);
  }
  out('\nEach request (ms):');
  out(`  ${'step'.padEnd(52)} ${'count'.padStart(7)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'p99'.padStart(7)}`);
  for (const [step, values] of [...recorder.steps].sort(([a], [b]) => a.localeCompare(b))) {
    out(`  ${step.padEnd(52)} ${String(values.length).padStart(7)} ${formatMs(percentile(values, 0.5)).padStart(7)} ${formatMs(percentile(values, 0.95)).padStart(7)} ${formatMs(percentile(values, 0.99)).padStart(7)}`);
  }
  out(`\nDeliveries: ${deliveries.arrivals.email} emails and ${deliveries.arrivals.sms} texts of ${deliveries.sentAt.size} accepted arrived (${undeliveredCount} did not; ${deliveries.arrivals.duplicates} arrived twice; drained in ${(drainMs / 1000).toFixed(1)} s); ${deliveries.arrivals.otherEmail} other emails (Pay's confirmations).`);
  out(`Notifications in the database: ${notificationStatuses.map((row) => `${row.type} ${row.status} ${row.count}`).join(', ')}`);
  out(`Payments in the database: ${paymentStatuses.map((row) => `${row.status} ${row.count}`).join(', ')}`);

  out('\nMemory and database over time (MB; RSS from /metrics, /proc in brackets; heap used/total; the machine\'s 1-minute load average):');
  const processNames = processes.map((civitas) => civitas.name);
  const everyNth = Math.max(1, Math.ceil(samples.length / 20));
  for (const [index, sample] of samples.entries()) {
    if (index % everyNth !== 0 && index !== samples.length - 1) continue;
    const memory = processNames.map((name) => {
      const figures = sample.perProcess[name];
      return figures ? `${name} ${figures.rssMb.toFixed(0)} (${figures.procRssMb.toFixed(0)}) ${figures.heapUsedMb.toFixed(0)}/${figures.heapTotalMb.toFixed(0)}` : `${name} ?`;
    });
    out(`  ${(sample.at / 60_000).toFixed(2).padStart(6)} min  ${memory.join('  ')}  db ${sample.databaseMb.toFixed(1)}  jobs due ${sample.jobsDue} running ${sample.jobsRunning} failed ${sample.jobsFailed}  load ${sample.loadAverage.toFixed(1)}`);
  }
  out(`  database at the end: ${finalDatabaseMb.toFixed(1)} MB`);

  let memoryGrowth = Number.NEGATIVE_INFINITY;
  let heapGrowth = Number.NEGATIVE_INFINITY;
  const afterWarmUp = samples.filter((sample) => sample.at >= WARM_UP_MS);
  const window = Math.max(3, Math.ceil(afterWarmUp.length * 0.1));
  out(`\nGrowth after warm-up: the last ${window} samples over the first ${window} after ${(WARM_UP_MS / 60_000).toFixed(1)} min (RSS: their median; heap used: their least, its floor after collections):`);
  for (const name of processNames) {
    const series = afterWarmUp.map((sample) => sample.perProcess[name]).filter((figures) => figures !== undefined);
    if (series.length < window * 2) {
      out(`  ${name}: too few samples (${series.length}) to say`);
      continue;
    }
    const growth = (pick: (figures: NonNullable<Sample['perProcess'][string]>) => number, summarise: (values: number[]) => number) => {
      const first = summarise(series.slice(0, window).map(pick));
      const last = summarise(series.slice(-window).map(pick));
      return { first, last, percent: ((last - first) / first) * 100 };
    };
    const rss = growth((figures) => figures.rssMb, median);
    // The heap's floor (the least of the window, just after a collection): a saw-tooth's peaks say nothing of a leak.
    const heap = growth((figures) => figures.heapUsedMb, (values) => Math.min(...values));
    memoryGrowth = Math.max(memoryGrowth, rss.percent);
    heapGrowth = Math.max(heapGrowth, heap.percent);
    const peak = (values: Array<number | undefined>) => Math.max(...values.filter((value) => value !== undefined));
    const warmUpPeak = peak(samples.filter((sample) => sample.at < WARM_UP_MS).map((sample) => sample.perProcess[name]?.rssMb));
    const laterPeak = peak(series.map((figures) => figures.rssMb));
    out(`  ${name}: RSS ${rss.first.toFixed(0)} -> ${rss.last.toFixed(0)} MB (${rss.percent >= 0 ? '+' : ''}${rss.percent.toFixed(1)}%), heap used ${heap.first.toFixed(0)} -> ${heap.last.toFixed(0)} MB (${heap.percent >= 0 ? '+' : ''}${heap.percent.toFixed(1)}%); RSS peak ${warmUpPeak.toFixed(0)} MB in the warm-up, ${laterPeak.toFixed(0)} MB after`);
  }
  const jobFailures = (samples.at(-1)?.jobFailures ?? 0) - (samples[0]?.jobFailures ?? 0);
  out(`Job failures counted by the processes during the run: ${jobFailures}`);
  out(`Exit codes on SIGTERM: ${Object.entries(exitCodes).map(([name, code]) => `${name} ${code}`).join(', ')}`);

  for (const civitas of processes) {
    if (civitas.logs.warn + civitas.logs.error === 0) continue;
    out(`Logs of ${civitas.name}: ${civitas.logs.warn} warnings, ${civitas.logs.error} errors; the first:`);
    for (const line of civitas.logs.examples) out(`    ${line}`);
  }

  const failures = recorder.failures;
  if (failures.length > 0) {
    out(`\nErrors: ${failures.length}`);
    const byKind = new Map<string, number>();
    for (const failure of failures) byKind.set(`${failure.kind} / ${failure.step} / ${failure.status}`, (byKind.get(`${failure.kind} / ${failure.step} / ${failure.status}`) ?? 0) + 1);
    for (const [what, count] of byKind) out(`  ${count} x ${what}`);
    out('The first of each:');
    const seen = new Set<string>();
    for (const failure of failures) {
      const key = `${failure.kind} / ${failure.step} / ${failure.status}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out(`  at ${(failure.at / 1000).toFixed(1)} s, ${failure.kind}: ${failure.request} -> ${failure.status}\n      ${failure.bodyHead}`);
    }
  }

  const errorCount = failures.length + processes.reduce((total, civitas) => total + civitas.logs.error, 0);
  out('');
  out(`${errorCount === 0 ? 'MET    ' : 'NOT MET'}  errors: ${failures.length} failed requests or deliveries, ${processes.reduce((total, civitas) => total + civitas.logs.error, 0)} error log lines (target 0)`);
  out(`${heapGrowth < 10 ? 'MET    ' : 'NOT MET'}  heap growth after warm-up (live data: the heap's floor after collections), largest of the processes: ${heapGrowth.toFixed(1)}% (target < 10%)`);
  out(`${memoryGrowth < 10 ? 'MET    ' : 'NOT MET'}  RSS growth after warm-up (median), largest of the processes: ${memoryGrowth.toFixed(1)}% (target < 10%; V8 grows and gives back its heap's reserve in steps, so RSS moves by tens of MB without a leak)`);
  return { name: setup, errors: errorCount, memoryGrowth, heapGrowth };
}

const setups = SETUP === 'both' ? (['sqlite', 'postgres'] as const) : ([SETUP] as ['sqlite' | 'postgres']);
const results: SetupResult[] = [];
for (const setup of setups) results.push(await runSetup(setup));
process.stdout.write(`\n${results.map((result) => `${result.name}: ${result.errors} errors, memory growth RSS ${result.memoryGrowth.toFixed(1)}%, heap ${result.heapGrowth.toFixed(1)}%`).join('\n')}\n`);
process.exitCode = results.some((result) => result.errors > 0) ? 1 : 0;
