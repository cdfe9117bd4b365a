import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { aggregateServiceEvents } from '../../../platform/events/service-event.jobs.ts';
import { createServiceEventStore } from '../../../platform/events/service-event.store.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { runCivitas } from '../../../testing/civitas-cli.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createWelshWalk } from '../../../testing/english-in-welsh.ts';
import { modules } from '../../../app.ts';
import { registerOneLoginClientOfService } from '../../console/console.contract.ts';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { clientAddressKey } from '../../../platform/http/client-address.ts';
import { createKeyedRateLimit } from '../../../platform/rate-limit/rate-limit.ts';
import { createInsight } from '../insight.ts';
import { FEEDBACK_DAILY_LIMIT_NAME, FEEDBACK_PER_SERVICE_A_DAY } from '../insight.module.ts';

/** A visitor that keeps its cookies and sends a page's CSRF token back with its form. */
function visitorOf(app: FastifyInstance) {
  const cookies = new Map<string, string>();
  const send = async (method: 'GET' | 'POST', url: string, form?: Record<string, string>) => {
    const response = await app.inject({
      method,
      url,
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      payload: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const cookie of response.cookies) cookies.set(cookie.name, cookie.value);
    return response;
  };
  return {
    get: (url: string) => send('GET', url),
    async answer(url: string, form: Record<string, string>) {
      const token = /name="_csrf" value="([^"]+)"/.exec((await send('GET', url)).body)?.[1] ?? '';
      return send('POST', url, { _csrf: token, ...form });
    },
    post: (url: string, form: Record<string, string>) => send('POST', url, form),
  };
}

async function civitas(kernel: Kernel & { testDatabase: { url: string } }, ...args: string[]) {
  const result = await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, ...args, '--json');
  assert.equal(result.exitCode, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, string>;
}

/** A console service with a One Login client of its own, and another service's Notify events beside it. */
async function setUpService(kernel: Kernel & { testDatabase: { url: string } }) {
  const { organisation_id: organisationId } = await civitas(kernel, 'console', 'organisation', 'add', '--name', 'Riverside Council', '--owner-email', 'owner@riverside.example.gov.uk');
  const { service_id: serviceId } = await civitas(kernel, 'console', 'service', 'add', '--organisation', organisationId!, '--name', 'Apply for a Blue Badge');
  const publicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const clientId = await registerOneLoginClientOfService(
    { db: kernel.db, audit: kernel.audit },
    { serviceId: serviceId!, client: { name: 'Blue Badge', redirectUris: ['https://blue-badge.example.gov.uk/callback'], publicKey }, actor: 'operator:test' },
  );
  return { serviceId: serviceId!, clientId };
}

/** Events of November and October 2026, counted by the kernel's aggregation job. */
async function recordJourneys(kernel: Kernel, input: { serviceId: string; clientId: string }) {
  let journey = 0;
  const record = (service: string, type: Parameters<Kernel['serviceEvents']['record']>[0]['type'], at: string, times: number) => {
    for (let n = 0; n < times; n += 1) kernel.serviceEvents.record({ service, type, journeyId: `journey-${String((journey += 1)).padStart(12, '0')}`, at: new Date(at) });
  };
  const forms = `console-service:${input.serviceId}`;
  record(forms, 'forms.form.started', '2026-11-02T10:00:00Z', 30);
  record(forms, 'forms.form.started', '2026-11-20T10:00:00Z', 10);
  record(forms, 'forms.form.submitted', '2026-11-02T11:00:00Z', 24);
  record(forms, 'forms.form.submitted', '2026-11-20T11:00:00Z', 6);
  const reach = (step: string, times: number) => {
    for (let n = 0; n < times; n += 1) kernel.serviceEvents.record({ service: forms, type: 'forms.page.reached', journeyId: `journey-${String((journey += 1)).padStart(12, '0')}`, step, at: new Date('2026-11-02T10:30:00Z') });
  };
  reach('your-name', 40);
  reach('upload-photo', 32);
  reach('pay', 30);
  record(forms, 'forms.form.started', '2026-10-15T10:00:00Z', 20);
  record(forms, 'forms.form.submitted', '2026-10-15T11:00:00Z', 10);
  record(`identity-client:${input.clientId}`, 'identity.sign-in.started', '2026-11-02T09:00:00Z', 50);
  // Another service's events: never counted as this one's.
  record('notify-service:someone-elses-service', 'notify.notification.failed', '2026-11-02T09:00:00Z', 7);
  record('console-service:another-service-id', 'forms.form.started', '2026-11-02T09:00:00Z', 99);
  await kernel.serviceEvents.flush();
  await aggregateServiceEvents({ db: kernel.db, store: createServiceEventStore(), now: new Date('2026-12-03T12:00:00Z') });
}

function tableOf(html: string, id: string): string[][] {
  const table = new RegExp(`<table[^>]*id="${id}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? '';
  return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => (cell[1] ?? '').replace(/<[^>]+>/g, '').replace(/&#163;|&pound;/g, '£').trim()),
  );
}

test('a published service shows its four KPIs with the month before, hand-computed, and the CSV and JSON hold the same figures', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const service = await setUpService(kernel);
  await recordJourneys(kernel, service);
  await civitas(kernel, 'insight', 'figures', '--service', service.serviceId, '--month', '2026-11', '--non-digital', '10', '--cost-pence', '200000');
  const visitor = visitorOf(app);
  for (const rating of ['5', '5', '4', '3', '1']) {
    const sent = await visitor.answer(`/feedback/${service.serviceId}`, { rating, comment: rating === '1' ? 'The photo upload failed for Ann Example twice' : '' });
    assert.equal(sent.statusCode, 303, sent.body);
  }
  // Feedback counts in the month it is given: these answers are December's.
  assert.equal((await visitor.get('/performance/apply-for-a-blue-badge')).statusCode, 404, 'not published yet');
  const published = await civitas(kernel, 'insight', 'publish', '--service', service.serviceId);
  assert.equal(published.url, '/performance/apply-for-a-blue-badge');

  const index = await visitor.get('/performance');
  assert.match(index.body, /href="\/performance\/apply-for-a-blue-badge">Apply for a Blue Badge</);

  const page = await visitor.get('/performance/apply-for-a-blue-badge?month=2026-11');
  assert.equal(page.statusCode, 200);
  const measures = tableOf(page.body, 'measures');
  assert.deepEqual(measures, [
    ['Measure', 'November 2026', 'October 2026'],
    ['Completion rate', '75%', '50%'],
    ['User satisfaction', 'No data', 'No data'],
    ['Satisfaction answers', '0', '0'],
    ['Digital take-up', '75%', 'No data'],
    ['Cost per transaction', '£50.00', 'No data'],
    ['Journeys started', '40', '20'],
    ['Journeys completed', '30', '10'],
    ['Payments taken', '0', '0'],
    ['Payments failed', '0', '0'],
    ['Messages delivered', 'No data', 'No data'],
  ]);
  assert.match(page.body, /<svg role="img" aria-labelledby="chart-title chart-description"/);
  const days = tableOf(page.body, 'days');
  assert.deepEqual(days[2], ['2 November 2026', '30', '24']);
  assert.deepEqual(days[20], ['20 November 2026', '10', '6']);
  assert.equal(days.length, 31, 'a heading row and 30 days');

  assert.deepEqual(tableOf(page.body, 'funnel').slice(1), [
    ['your-name', '40', '100%'],
    ['upload-photo', '32', '80%'],
    ['pay', '30', '75%'],
  ]);
  const csv = await visitor.get('/performance/apply-for-a-blue-badge.csv?month=2026-11');
  assert.match(String(csv.headers['content-type']), /^text\/csv/);
  const rows = csv.body.trim().split('\r\n').map((line) => line.split(','));
  assert.deepEqual(rows[0], ['measure', 'kind', '2026-11', '2026-10']);
  assert.deepEqual(rows.slice(1).map((row) => row[0]), ['completion_rate', 'user_satisfaction', 'satisfaction_answers', 'digital_take_up', 'cost_per_transaction', 'transactions_started', 'transactions_completed', 'payments_succeeded', 'payments_failed', 'notifications_delivery_rate']);
  // The CSV is the page's table, unformatted.
  const shown = (value: string | undefined, kind: string | undefined) =>
    value === '' ? 'No data' : kind === 'share' ? `${Math.round(Number(value) * 1000) / 10}%` : kind === 'pence' ? `£${(Number(value) / 100).toFixed(2)}` : Number(value).toLocaleString('en-GB');
  assert.deepEqual(rows.slice(1).map((row) => [shown(row[2], row[1]), shown(row[3], row[1])]), measures.slice(1).map((row) => row.slice(1)));

  const json = (await visitor.get('/performance/apply-for-a-blue-badge.json?month=2026-11')).json();
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'insight', 'performance.schema.json'), 'utf8'));
  const matchesSchema = new Ajv({ allErrors: true }).compile(schema);
  assert.ok(matchesSchema(json as object), `the JSON is what docs/insight/performance.schema.json says: ${JSON.stringify(matchesSchema.errors)}`);
  assert.deepEqual(schema.properties.measures.items.properties.measure.enum, json.measures.map((row: { measure: string }) => row.measure), 'the schema names every measure, in order');
  assert.equal(json.month, '2026-11');
  assert.equal(json.completion_counted_from, 'forms');
  assert.deepEqual(json.measures[0], { measure: 'completion_rate', kind: 'share', value: 0.75, previous_value: 0.5 });

  const december = await visitor.get('/performance/apply-for-a-blue-badge.json?month=2026-12');
  // Five answers are too few to publish a share: one 'very satisfied' is not 100%.
  assert.deepEqual(december.json().measures.slice(1, 3), [
    { measure: 'user_satisfaction', kind: 'share', value: null, previous_value: null },
    { measure: 'satisfaction_answers', kind: 'count', value: 5, previous_value: 0 },
  ]);
  for (const rating of ['4', '4', '5', '2', '5']) assert.equal((await visitor.answer(`/feedback/${service.serviceId}`, { rating })).statusCode, 303);
  assert.deepEqual((await visitor.get('/performance/apply-for-a-blue-badge.json?month=2026-12')).json().measures[1], { measure: 'user_satisfaction', kind: 'share', value: 0.7, previous_value: null }, '7 of 10 satisfied or very satisfied');
  for (const answer of [page, csv, december, index]) assert.doesNotMatch(answer.body, /photo upload|Ann Example/, 'free text is never published');

  const walk = createWelshWalk(modules, { names: ['Apply for a Blue Badge', 'CSV', 'JSON'] });
  for (const path of ['/performance?lang=cy', '/performance/apply-for-a-blue-badge?month=2026-11&lang=cy', '/performance/apply-for-a-blue-badge?month=2026-01&lang=cy', `/feedback/${service.serviceId}?lang=cy`]) {
    walk.check((await visitor.get(path)).body, path);
  }
  walk.check((await visitor.answer(`/feedback/${service.serviceId}?lang=cy`, { rating: '', comment: 'x'.repeat(1201) })).body, 'feedback with errors');
  assert.equal(walk.report(), '', 'English on Welsh pages');

  await civitas(kernel, 'insight', 'unpublish', '--service', service.serviceId);
  for (const path of ['/performance/apply-for-a-blue-badge', '/performance/apply-for-a-blue-badge.json', '/performance/apply-for-a-blue-badge.csv']) assert.equal((await visitor.get(path)).statusCode, 404, path);
  const actions = (await kernel.audit.listRecent({ limit: 50 })).map((event) => event.action);
  for (const action of ['insight.service.published', 'insight.service.unpublished', 'insight.figures.entered']) assert.ok(actions.includes(action), action);
});

test('attacker: odd months, addresses and slugs are not found; another service cannot take a slug; bad figures are refused', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const service = await setUpService(kernel);
  await civitas(kernel, 'insight', 'publish', '--service', service.serviceId, '--slug', 'blue-badge');
  const visitor = visitorOf(app);
  for (const path of ['/performance/blue-badge?month=0000-01', '/performance/blue-badge?month=9999-12', '/performance/blue-badge?month=2026-13', '/performance/blue-badge?month=26-11', '/performance/blue-badge?month=2026-1', '/performance/BLUE-BADGE', '/performance/blue-badge.xml', '/performance/..%2Fconsole', `/performance/${'a'.repeat(5000)}`, '/performance/blue-badge?month=2026-11&month=2026-10']) {
    const answer = await visitor.get(path);
    assert.ok([404, 400].includes(answer.statusCode), `${path}: ${answer.statusCode}`);
  }
  const other = await civitas(kernel, 'console', 'service', 'add', '--organisation', (await civitas(kernel, 'console', 'organisation', 'add', '--name', 'Hillside', '--owner-email', 'o@hillside.example.gov.uk')).organisation_id!, '--name', 'Blue badge');
  const taken = await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, 'insight', 'publish', '--service', other.service_id!, '--slug', 'blue-badge');
  assert.equal(taken.exitCode, 1);
  assert.match(taken.stderr, /Another service has published at \/performance\/blue-badge/);

  // An address once used stays its service's: moving leaves a redirect, never a free name for another.
  await civitas(kernel, 'insight', 'publish', '--service', service.serviceId, '--slug', 'blue-badges');
  const moved = await visitor.get('/performance/blue-badge.json?month=2026-11');
  assert.equal(moved.statusCode, 301);
  assert.equal(moved.headers.location, '/performance/blue-badges.json?month=2026-11');
  const squat = await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, 'insight', 'publish', '--service', other.service_id!, '--slug', 'blue-badge');
  assert.equal(squat.exitCode, 1, 'the old address is not free for another service');
  const page = await visitor.get('/performance/blue-badges');
  assert.match(page.body, /A service of Riverside Council/, 'the page names whose service it is');
  assert.equal((await visitor.get('/performance/blue-badges.json')).json().service.organisation, 'Riverside Council');
  for (const [args, message] of [
    [['--slug', 'Blue Badge'], /lower-case letters/],
    [['--slug=-x'], /lower-case letters/],
    [['--slug', 'a'.repeat(61)], /lower-case letters/],
  ] as const) {
    const refused = await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, 'insight', 'publish', '--service', other.service_id!, ...args);
    assert.match(refused.stderr, message);
  }
  assert.match((await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, 'insight', 'publish', '--service', 'no-such-service')).stderr, /no console service/);
  for (const args of [['--month', '2026-13', '--cost-pence', '1'], ['--month', '2026-11', '--cost-pence', '-1'], ['--month', '2026-11', '--non-digital', '1.5'], ['--month', '2026-11']]) {
    const refused = await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, 'insight', 'figures', '--service', service.serviceId, ...args);
    assert.notEqual(refused.exitCode, 0, args.join(' '));
  }
});

test('attacker: one address gives at most 20 answers about one service a day, however it spaces them; other services still hear from it', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const { serviceId } = await setUpService(kernel);
  const { service_id: otherService } = await civitas(kernel, 'console', 'service', 'add', '--organisation', (await civitas(kernel, 'console', 'organisation', 'add', '--name', 'Hillside Council', '--owner-email', 'owner@hillside.example.gov.uk')).organisation_id!, '--name', 'Pay a parking fine');
  // The same daily counts the page keeps (shared by name through the database): the address has
  // already answered 19 times today, in ten-minute windows of fewer than 10.
  const sameDailyLimit = createKeyedRateLimit({ db: kernel.db, name: FEEDBACK_DAILY_LIMIT_NAME, perWindow: FEEDBACK_PER_SERVICE_A_DAY, windowSeconds: 86_400 });
  for (let sent = 1; sent < FEEDBACK_PER_SERVICE_A_DAY; sent += 1) assert.equal((await sameDailyLimit.take(`${clientAddressKey('127.0.0.1')}|${serviceId}`)).allowed, true);
  const visitor = visitorOf(app);
  assert.equal((await visitor.answer(`/feedback/${serviceId}`, { rating: '5' })).statusCode, 303, 'the 20th answer of the day counts');
  const refused = await visitor.answer(`/feedback/${serviceId}`, { rating: '5' });
  assert.equal(refused.statusCode, 429);
  assert.match(refused.body, /You have sent feedback about this service many times today\. Try again tomorrow\./);
  assert.ok(Number(refused.headers['retry-after']) > 0);
  assert.match((await visitor.answer(`/feedback/${serviceId}?lang=cy`, { rating: '5' })).body, /lawer gwaith heddiw/);
  assert.equal((await visitor.answer(`/feedback/${otherService}`, { rating: '5' })).statusCode, 303, 'another service is another count');
  const { current } = await createInsight({ db: kernel.db, audit: kernel.audit, serviceEvents: kernel.serviceEvents }).figures(serviceId);
  assert.equal(current.kpis.satisfactionAnswers, 1, 'only the answer that was allowed was stored');
});

test('attacker: the feedback page wants its CSRF token and a rating, keeps comments to 1,200 characters, and limits one address', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const { serviceId } = await setUpService(kernel);
  const visitor = visitorOf(app);
  assert.equal((await visitor.get('/feedback/no-such-service')).statusCode, 404);
  assert.equal((await visitor.get('/feedback/..%2F..%2Fconsole')).statusCode, 404);
  assert.equal((await visitor.post(`/feedback/${serviceId}`, { rating: '5' })).statusCode, 403, 'no CSRF token');

  const noRating = await visitor.answer(`/feedback/${serviceId}`, { rating: '7', comment: 'x' });
  assert.equal(noRating.statusCode, 400);
  assert.match(noRating.body, /Select how you felt about the service/);
  const tooLong = await visitor.answer(`/feedback/${serviceId}`, { rating: '4', comment: 'x'.repeat(1201) });
  assert.equal(tooLong.statusCode, 400);
  assert.match(tooLong.body, /must be 1,200 characters or fewer/);

  for (let sent = 0; sent < 10; sent += 1) assert.equal((await visitor.answer(`/feedback/${serviceId}`, { rating: '4' })).statusCode, 303);
  const limited = await visitor.answer(`/feedback/${serviceId}`, { rating: '4' });
  assert.equal(limited.statusCode, 429);
  assert.match(limited.body, /You have sent a lot of feedback/);

  const welsh = await visitor.get(`/feedback/${serviceId}?lang=cy`);
  assert.match((await visitor.answer(`/feedback/${serviceId}?lang=cy`, { rating: '4' })).body, /Rydych chi wedi anfon llawer o adborth/);

  assert.match(welsh.body, /Yn gyffredinol, sut oeddech chi’n teimlo am y gwasanaeth a gawsoch heddiw\?/);
});
