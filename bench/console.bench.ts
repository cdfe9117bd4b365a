/**
 * The console's figure from ../shared/TARGETS.md: page render p95 for a signed-in member of an
 * organisation with 50 services, one of them with 1,000 payments and 1,000 notifications,
 * beside a static page in the same layout (the page shell) measured in the same run. Pages are
 * rendered in process (app.inject), as the platform benchmark does, on durable SQLite.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import { buildApp, modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import { secretBoxesOf } from '../src/platform/secrets/secret-box.ts';
import { createServiceClients } from '../src/modules/identity/identity.contract.ts';
import { createServiceNotify } from '../src/modules/notify/notify.contract.ts';
import { notifyCoreOf } from '../src/modules/notify/notify.core-cache.ts';
import { createServicePay } from '../src/modules/pay/pay.contract.ts';
import { createOnboarding } from '../src/modules/console/onboarding/onboarding.ts';
import { createOrganisations } from '../src/modules/console/organisations/organisations.ts';
import { createOrganisationStore } from '../src/modules/console/organisations/organisation.store.ts';
import { createConsoleSessions } from '../src/modules/console/sessions/console-sessions.ts';
import { percentile, report } from './bench-support.ts';

const SERVICES = 50;
const PAYMENTS = 1_000;
const NOTIFICATIONS = 1_000;
const RENDERS_PER_PAGE = 300;
const actor = { audit: 'operator:bench', label: 'operator:bench' };

function notifyToken(serviceId: string, secret: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ typ: 'JWT', alg: 'HS256' })}.${encode({ iss: serviceId, iat: Math.floor(Date.now() / 1000) })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const directory = mkdtempSync(join(tmpdir(), 'civitas-console-bench-'));
const { config } = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${join(directory, 'civitas.sqlite')}` });
const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
await kernel.migrate();
const app = await buildApp(kernel);

// The organisation, its 50 services and its owner, made as an operator would.
const organisations = createOrganisations({ db: kernel.db, audit: kernel.audit, platform: kernel, baseUrl: config.BASE_URL });
const { organisation } = await organisations.createOrganisation({ name: 'Department for Benchmarks', ownerEmail: 'owner@example.gov.uk', actor });
const services = [];
for (let index = 1; index <= SERVICES; index += 1) {
  services.push(await organisations.createService({ organisationId: organisation.id, name: `Service number ${index}`, actor }));
}
const personKey = `bench-${randomUUID()}`;
await createOrganisationStore(kernel.db).insertMembership({
  id: randomUUID(), organisation_id: organisation.id, person_key: personKey, email: 'owner@example.gov.uk', role: 'owner', created_at: new Date().toISOString(),
});

// One service with a Notify service and a Pay account, each with 1,000 messages or payments sent through their APIs.
const busy = services[0]!;
const onboarding = createOnboarding({
  db: kernel.db,
  audit: kernel.audit,
  clients: createServiceClients(kernel.db),
  notify: createServiceNotify(kernel),
  pay: createServicePay({ db: kernel.db, config, audit: kernel.audit }),
  secrets: secretBoxesOf(config).forPurpose('console-one-time-secret'),
});
const notifyServiceId = await onboarding.createNotifyService({ service: busy, actor });
const notifyKey = await onboarding.createNotifyKey({ service: busy, keyType: 'test', name: 'bench', actor });
const core = notifyCoreOf(kernel);
await core.serviceAdmin.updateSettings({ serviceId: notifyServiceId, changes: { email_daily_limit: 100_000_000 }, actor: actor.audit });
const template = await core.templates.create({
  serviceId: notifyServiceId, type: 'email', name: 'Bench', subject: 'Hello ((name))', body: 'Dear ((name)),\n\nWe have your application.',
  createdBy: 'owner@example.gov.uk', actor: actor.audit,
});
for (let index = 0; index < NOTIFICATIONS; index += 1) {
  const response = await app.inject({
    method: 'POST', url: '/v2/notifications/email',
    headers: { authorization: `Bearer ${notifyToken(notifyServiceId, notifyKey.key.slice(-36))}`, 'content-type': 'application/json' },
    payload: { template_id: template.id, email_address: `person${index}@example.com`, personalisation: { name: `Person ${index}` } },
  });
  if (response.statusCode !== 201) throw new Error(`sending a notification answered ${response.statusCode}: ${response.body}`);
}
const payAccountId = await onboarding.createPayAccount({ service: busy, actor });
// Its rate limit raised for the run, as GOV.UK Pay raises it for busy services.
await sql`update pay_account set rate_limit_post = 1000000 where id = ${payAccountId}`.execute(kernel.db);
const payKey = await onboarding.createPayKey({ service: busy, description: 'bench', actor });
for (let index = 0; index < PAYMENTS; index += 1) {
  const response = await app.inject({
    method: 'POST', url: '/v1/payments',
    headers: { authorization: `Bearer ${payKey.key}`, 'content-type': 'application/json' },
    payload: { amount: 1000 + index, reference: `REF-${index}`, description: 'Blue Badge fee', return_url: 'https://service.example.gov.uk/done' },
  });
  if (response.statusCode !== 201) throw new Error(`creating a payment answered ${response.statusCode}: ${response.body}`);
}

// Signed in as the owner: a console session as the sign-in makes it, in its signed cookie.
const token = await createConsoleSessions({ db: kernel.db }).start({
  accountSubject: personKey, email: 'owner@example.gov.uk', level: 'Cl.Cm', authenticationMethods: ['pwd', 'otp'], idToken: 'bench', sid: undefined, authenticatedAt: new Date(),
} as Parameters<ReturnType<typeof createConsoleSessions>['start']>[0]);
const cookie = `console_session=${app.signCookie(token)}`;

/** The p95 over every render of every page, and each page's own p95 (to find a slow one). */
async function renderP95(urls: string[], headers: Record<string, string>): Promise<{ p95: number; byPage: string }> {
  const timings: number[] = [];
  const byPage: string[] = [];
  for (const url of urls) {
    const page: number[] = [];
    for (let index = 0; index < RENDERS_PER_PAGE; index += 1) {
      const started = performance.now();
      const response = await app.inject({ method: 'GET', url, headers });
      page.push(performance.now() - started);
      if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
    }
    timings.push(...page);
    byPage.push(`  ${percentile(page, 0.95).toFixed(2)} ms  ${url.replace(/[0-9a-f-]{36}/g, ':id')}`);
  }
  return { p95: percentile(timings, 0.95), byPage: byPage.join('\n') };
}

const organisationPath = `/console/organisations/${organisation.id}`;
const consolePages = [
  `/console`,
  organisationPath,
  `${organisationPath}/services/${busy.id}`,
  `${organisationPath}/services/${busy.id}?lang=cy`,
  `/console/notify/${notifyServiceId}/notifications`,
  `/console/pay/${payAccountId}/test/transactions`,
];
const { p95: shell } = await renderP95(['/cookies'], {});
const { p95, byPage } = await renderP95(consolePages, { cookie });

process.stdout.write('Console\n');
report({
  what: `console page render p95, signed-in owner (${SERVICES} services, ${PAYMENTS} payments, ${NOTIFICATIONS} notifications; ${consolePages.length} pages)`,
  value: `${p95.toFixed(2)} ms`,
  target: '< 20 ms',
  baseline: `static page in the same layout p95 ${shell.toFixed(2)} ms`,
  met: p95 < 20,
});
process.stdout.write(`${byPage}\n`);
await app.close();
await kernel.close();
rmSync(directory, { recursive: true, force: true });
