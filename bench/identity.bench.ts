/**
 * One Login's figures from ../shared/TARGETS.md, each beside the limit measured in this run:
 * - token endpoint: authorization code + private_key_jwt (ES256) with an ES256 ID token, on
 *   durable SQLite, beside raw ES256 sign + verify per second;
 * - password sign-ins (the password page, Argon2id), beside raw Argon2id verifications per second.
 * Civitas runs as its own process; the load comes from this one, on the same two cores. Work that
 * is the load generator's, not the server's (signing client assertions, minting codes, reading
 * CSRF tokens out of pages), is done before the timed windows; each line also gives the server's
 * CPU time per operation, which other work on the machine disturbs less than throughput.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { pino } from 'pino';
import { modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import { createAccountService } from '../src/modules/identity/accounts/account.service.ts';
import { hashPassword, verifyPassword } from '../src/modules/identity/accounts/passwords.ts';
import { createClientRegistry } from '../src/modules/identity/clients/clients.ts';
import { createProviderRuntime } from '../src/modules/identity/provider/provider-runtime.ts';
import { createFormClient } from '../src/modules/identity/testing/form-client.ts';
import { findFreePort, report, startProcess, stopProcess, waitUntilAnswering } from './bench-support.ts';

const TOKEN_REQUESTS = 3000;
// Exchanges before the timed run, so it measures a warmed-up server, as a running service is.
const TOKEN_WARM_UP = 300;
const SIGN_INS = 300;
const CONNECTIONS = 16;
// Sign-ins submitted at once, and Argon2id verifications run at once for the baseline.
const SIGN_IN_CONCURRENCY = availableParallelism() * 2;

async function perSecond(seconds: number, work: () => Promise<unknown>, parallel = 1): Promise<number> {
  const started = performance.now();
  const until = started + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < until) {
        await work();
        done += 1;
      }
    }),
  );
  // Work started before the deadline finishes after it: divide by the time it all took.
  return done / ((performance.now() - started) / 1000);
}

/** CPU time (user + system, every thread) a process has used so far, from /proc, in milliseconds. */
function cpuMillisecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const clockTicksPerSecond = 100; // USER_HZ, the same on every Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
}

const directory = mkdtempSync(join(tmpdir(), 'civitas-bench-identity-'));
const port = await findFreePort();
const baseUrl = `http://127.0.0.1:${port}`;
const environment = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  PORT: String(port),
  HOST: '127.0.0.1',
  BASE_URL: baseUrl,
  DATABASE_URL: `sqlite:${join(directory, 'civitas.sqlite')}`,
  RUN_WORKERS: 'false',
  // Each simulated person comes from an address of their own (X-Forwarded-For), as they would
  // through a load balancer; otherwise the per-address form limit would refuse them.
  TRUST_PROXY: 'true',
};
const civitas = startProcess(join(import.meta.dirname, '..', 'src', 'main.ts'), environment);
await waitUntilAnswering(`${baseUrl}/readyz`, performance.now());

// Set up from this process, on the same database: a service, an account, and authorization codes
// minted by the provider itself, as a person signing in would leave them.
const { config } = loadConfig(environment);
const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
const redirectUri = 'https://service.example.gov.uk/callback';
const { clientId } = await createClientRegistry({ db: kernel.db }).add({
  name: 'Benchmark service',
  redirectUris: [redirectUri],
  publicKey: JSON.stringify(await exportJWK(publicKey)),
});
const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
const password = 'correct horse battery staple';
const account = await accounts.createWithPasswordHash({
  email: 'bench@example.com',
  passwordHash: await hashPassword(password),
  method: { kind: 'auth-app', totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', totp_last_step: null, phone_number: null, credential_id: null, public_key: null, sign_count: null, transports: null },
});
const provider = await createProviderRuntime({ db: kernel.db, config, accounts }).providers.current();
const client = await provider.Client.find(clientId);
const grant = new provider.Grant({ accountId: account.id, clientId });
grant.addOIDCScope('openid email');
const grantId = await grant.save();
const now = Math.floor(Date.now() / 1000);
const bodies: string[] = [];
for (let index = 0; index < TOKEN_WARM_UP + TOKEN_REQUESTS; index += 1) {
  const code = await new provider.AuthorizationCode({
    accountId: account.id,
    acr: 'Cl.Cm',
    authTime: now,
    client,
    grantId,
    scope: 'openid email',
    redirectUri,
    nonce: `nonce-${index}`,
  } as never).save();
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(`${baseUrl}/token`)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);
  bodies.push(
    new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).toString(),
  );
}

let next = 0;
let failures = 0;
let lastResponseAt = 0;
const exchangeCodes = (amount: number) =>
  autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    amount,
    requests: [
      {
        method: 'POST',
        path: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
        onResponse: (status) => {
          if (status !== 200) failures += 1;
          lastResponseAt = performance.now();
        },
      },
    ],
  });
await exchangeCodes(TOKEN_WARM_UP);
const tokenCpuBefore = cpuMillisecondsOf(civitas.pid as number);
const tokenStartedAt = performance.now();
await exchangeCodes(TOKEN_REQUESTS);
const tokenCpu = (cpuMillisecondsOf(civitas.pid as number) - tokenCpuBefore) / TOKEN_REQUESTS;
// Timed from the requests' start to the last response: autocannon itself notices the end on a
// one-second tick, so its own figures for a run of a few seconds are rounded to whole seconds.
const tokenRate = TOKEN_REQUESTS / ((lastResponseAt - tokenStartedAt) / 1000);

// The crypto ceiling of one exchange: one ES256 verify (the client assertion) and one ES256 sign
// (the ID token), measured on this machine now, on one core.
const { publicKey: verifyKey, privateKey: signKey } = await generateKeyPair('ES256');
const sample = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES256' }).sign(signKey);
const signAndVerify = await perSecond(3, async () => {
  await new SignJWT({ sub: 'x', nonce: 'n' }).setProtectedHeader({ alg: 'ES256' }).sign(signKey);
  await jwtVerify(sample, verifyKey);
});

process.stdout.write('One Login\n');
report({
  what: `token endpoint, authorization code + private_key_jwt ES256, ES256 ID token, SQLite (${failures} of ${TOKEN_WARM_UP + TOKEN_REQUESTS} not 200)`,
  value: `${Math.round(tokenRate)} responses/s, server CPU ${tokenCpu.toFixed(2)} ms each`,
  target: '>= 600/s',
  baseline: `raw ES256 sign + verify ${Math.round(signAndVerify)}/s on one core`,
  met: tokenRate >= 600 && failures === 0,
});

// Password sign-ins: journeys prepared up to the password page, each password submission written
// out in advance (its cookies, CSRF token and body), then every one sent.
type PasswordSubmission = { path: string; headers: Record<string, string>; body: string };
const submissions: PasswordSubmission[] = [];
for (let index = 0; index < SIGN_INS; index += 1) {
  const forwardedFor = `198.51.${Math.floor(index / 250)}.${index % 250}`;
  const browser = createFormClient(baseUrl, { headers: { 'x-forwarded-for': forwardedFor } });
  const authorize = new URL('/authorize', baseUrl);
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid', state: 's', nonce: `n${index}` }).toString();
  const start = await browser.get(authorize.toString());
  const passwordPage = await browser.submit(await browser.get(`${start.url}/email`), { email: 'bench@example.com' });
  const csrfToken = /name="_csrf" value="([^"]+)"/.exec(passwordPage.html)?.[1] ?? '';
  const body = new URLSearchParams({ _csrf: csrfToken, password }).toString();
  submissions.push({
    path: new URL(passwordPage.url).pathname,
    body,
    headers: {
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      'x-forwarded-for': forwardedFor,
    },
  });
}

const connections = new Agent({ keepAlive: true, maxSockets: SIGN_IN_CONCURRENCY });
function submit(submission: PasswordSubmission): Promise<{ status: number; location: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(`${baseUrl}${submission.path}`, { method: 'POST', agent: connections, headers: submission.headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, location: String(response.headers.location ?? '') }));
    });
    sent.on('error', reject);
    sent.end(submission.body);
  });
}

let signInFailures = 0;
const signInCpuBefore = cpuMillisecondsOf(civitas.pid as number);
const signInStarted = performance.now();
let cursor = 0;
await Promise.all(
  Array.from({ length: SIGN_IN_CONCURRENCY }, async () => {
    while (cursor < submissions.length) {
      const submission = submissions[cursor++];
      if (!submission) break;
      // The password step itself: checked, then sent on to the security code (303).
      const response = await submit(submission);
      if (response.status !== 303 || !response.location.endsWith('/security-code')) signInFailures += 1;
    }
  }),
);
const signInRate = SIGN_INS / ((performance.now() - signInStarted) / 1000);
const signInCpu = (cpuMillisecondsOf(civitas.pid as number) - signInCpuBefore) / SIGN_INS;
connections.destroy();
// The same number of verifications at once as sign-ins were submitted at once: on two cores the
// threadpool's Argon2id work and the main thread share the same CPUs either way.
const passwordHash = await hashPassword(password);
let verified = 0;
const verificationCpuBefore = process.cpuUsage();
const verifications = await perSecond(3, () => verifyPassword(passwordHash, password).then(() => (verified += 1)), SIGN_IN_CONCURRENCY);
const verificationCpuUsed = process.cpuUsage(verificationCpuBefore);
const verificationCpu = (verificationCpuUsed.user + verificationCpuUsed.system) / 1000 / verified;
report({
  what: `password sign-ins (POST of the password page, Argon2id m=19456 t=2 p=1; ${signInFailures} of ${SIGN_INS} failed)`,
  value: `${signInRate.toFixed(1)}/s, server CPU ${signInCpu.toFixed(1)} ms each`,
  target: '>= 90% of Argon2id verifications/s',
  baseline: `Argon2id verifications ${verifications.toFixed(1)}/s, ${SIGN_IN_CONCURRENCY} at once, CPU ${verificationCpu.toFixed(1)} ms each`,
  met: signInRate >= 0.9 * verifications && signInFailures === 0,
});

await kernel.close();
await stopProcess(civitas);
rmSync(directory, { recursive: true, force: true });
