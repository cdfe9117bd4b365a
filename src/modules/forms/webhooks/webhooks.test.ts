import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { test, type TestContext } from 'node:test';
import { SMALL_PDF } from '../files/file-samples.test-kit.ts';
import { createDocumentFormApp, DOCUMENT_FORM, DOCUMENT_PAGE, documentForm } from '../files/file-upload.test-kit.ts';
import { FormsError } from '../forms.errors.ts';
import { readExampleForm, Visitor } from '../runner/runner.test-kit.ts';
import { SEND_WEBHOOK_JOB } from '../submissions/submissions.ts';
import { createFormVersions } from '../versions/form-versions.ts';
import { composeWebhookBody, createSendWebhookJob } from './send-webhook.job.ts';
import { parseFormDefinition } from '../definition/parse-definition.ts';
import { createTeamLinks } from '../files/team-links.ts';
import { createWebhookSecrets, SIGNATURE_HEADER, signWebhookBody } from './webhook-secrets.ts';
import type { Kernel } from '../../../platform/kernel.ts';

type Received = { headers: IncomingHttpHeaders; body: string };

/** A receiver on 127.0.0.1 answering each POST with the next status in `statuses` (then 200). */
async function startReceiver(t: TestContext, statuses: number[]) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, received };
}

async function submitWithWebhook(t: TestContext, webhookUrl: string, environment: Record<string, string> = {}) {
  const { app, kernel } = await createDocumentFormApp(t, environment);
  const form = { ...documentForm(), slug: 'hooked', settings: { ...documentForm().settings, webhookUrl } };
  const { formId } = await createFormVersions({ db: kernel.db, audit: kernel.audit }).importForm({ serviceId: 'service-a', definition: form, actor: 'operator:test' });
  const person = new Visitor(app);
  const page = DOCUMENT_PAGE.replace(DOCUMENT_FORM, '/forms/hooked');
  await person.get(page);
  await person.upload(page, { name: 'form.pdf', bytes: SMALL_PDF });
  await person.get('/forms/hooked/check-answers');
  await person.post('/forms/hooked/check-answers');
  await person.post('/forms/hooked/check-answers');
  return { app, kernel, formId };
}

function workerWithQuickRetries(kernel: Kernel) {
  const handlers = Object.assign({}, ...kernel.modules.map((module) => module.createJobHandlers?.(kernel) ?? {}));
  return kernel.createWorker({ handlers: { ...handlers, [SEND_WEBHOOK_JOB]: createSendWebhookJob(kernel, { retryDelayMs: () => 0 }) } });
}

test('a submission is POSTed to the webhook as signed JSON; after a forced retry the receiver has the same body and idempotency key twice, for one submission', async (t) => {
  const receiver = await startReceiver(t, [500]);
  const { app, kernel, formId } = await submitWithWebhook(t, receiver.url);
  await workerWithQuickRetries(kernel).runUntilIdle();

  assert.equal(receiver.received.length, 2, 'the first answer (500) was retried once');
  const [first, second] = receiver.received as [Received, Received];
  assert.equal(second.body, first.body, 'the same bytes on every try');
  assert.equal(second.headers['idempotency-key'], first.headers['idempotency-key']);
  const secret = await createWebhookSecrets({ db: kernel.db, secrets: kernel.secrets }).secretOf(formId);
  assert.equal(first.headers[SIGNATURE_HEADER], signWebhookBody(first.body, secret), 'signed with the form’s secret');
  assert.notEqual(first.headers[SIGNATURE_HEADER], signWebhookBody(first.body, 'another secret'));

  const body = JSON.parse(first.body);
  assert.equal(body.submission_id, first.headers['idempotency-key']);
  assert.match(body.reference, /^DOC-[A-Z0-9]{6}$/);
  assert.equal(body.form.slug, 'hooked');
  const [file] = body.answers[0].values;
  assert.equal(file.filename, 'form.pdf');
  const download = await app.inject({ method: 'GET', url: file.url.replace(/^http:\/\/[^/]+/, '') });
  assert.equal(download.statusCode, 200, 'the file’s link works');
  assert.equal((await kernel.audit.search({ action: 'forms.submission.webhook-delivered' })).length, 1);
});

test('SSRF: a private or plain-http receiver is refused when the form is imported, and a private address is never called when sending', async (t) => {
  const receiver = await startReceiver(t, []);
  const { kernel } = await submitWithWebhook(t, receiver.url, { OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' });
  await workerWithQuickRetries(kernel).runUntilIdle();
  assert.equal(receiver.received.length, 0, 'nothing reached the private address');
  const failed = (await kernel.jobs.list({ status: 'failed' })).filter((job) => job.type === SEND_WEBHOOK_JOB);
  assert.equal(failed.length, 1);
  assert.match(failed[0]?.lastError ?? '', /non-public address/);

  const versions = (production: boolean) =>
    createFormVersions({ db: kernel.db, audit: kernel.audit, outboundPolicy: { production, allowPrivateNetwork: false } });
  const refused = async (production: boolean, webhookUrl: string) => {
    const form = { ...documentForm(), slug: 'refused', settings: { ...documentForm().settings, webhookUrl } };
    const error = await versions(production).importForm({ serviceId: 'service-a', definition: form, actor: 'operator:test' }).then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof FormsError, webhookUrl);
    return error.problems.map((problem) => `${problem.path} ${problem.message}`);
  };
  assert.deepEqual(await refused(false, 'http://127.0.0.1:9/hook'), ['settings.webhookUrl must not be a private or local address']);
  assert.deepEqual(await refused(false, 'http://[::1]/hook'), ['settings.webhookUrl must not be a private or local address']);
  assert.deepEqual(await refused(false, 'http://user:pass@receiver.example/hook'), ['settings.webhookUrl must be a full http or https address without a user name or password']);
  assert.deepEqual(await refused(true, 'http://receiver.example/hook'), ['settings.webhookUrl must be an https:// address']);
  assert.deepEqual(await refused(false, 'ftp://receiver.example/hook'), ['settings.webhookUrl must be an https:// (or, outside production, http://) address']);
});

test('the signing secret is made once per form, kept sealed, and the same for every process', async (t) => {
  const { kernel, formId } = await createDocumentFormApp(t);
  const [one, two] = await Promise.all([
    createWebhookSecrets({ db: kernel.db, secrets: kernel.secrets }).secretOf(formId),
    createWebhookSecrets({ db: kernel.db, secrets: kernel.secrets }).secretOf(formId),
  ]);
  assert.equal(one, two);
  const stored = await kernel.db.withTables<{ forms_webhook_secret: { sealed_secret: string } }>().selectFrom('forms_webhook_secret').select('sealed_secret').execute();
  assert.equal(stored.length, 1);
  assert.ok(!stored[0]?.sealed_secret.includes(one), 'not kept in clear');
});

test('a paid submission\'s webhook carries its payment: amount in pence, reference and Pay\'s payment id', () => {
  const definition = parseFormDefinition(readExampleForm()).definition;
  assert.ok(definition);
  const submission = {
    id: 'submission-1', reference: 'FISH-2345-6789', form_id: 'form-1', version_id: 'version-1', session_hash: 'h', answers: '{}',
    created_at: '2026-12-03T09:30:00.000Z', delivered_at: null, expires_at: '2027-01-02T09:30:00.000Z',
    payment_reference: 'PAY-ABCDEF', pay_payment_id: '1k8tp9ruggi4jan9h6417nfnfa', payment_amount: 3250,
    done_at: null, done_by: null, search_text: '',
  };
  const links = createTeamLinks({ encryptionKey: 'k'.repeat(32), baseUrl: 'https://civitas.example' });
  assert.deepEqual(JSON.parse(composeWebhookBody({ definition, submission, links })).payment, { amount: 3250, reference: 'PAY-ABCDEF', pay_payment_id: '1k8tp9ruggi4jan9h6417nfnfa' });
  const unpaid = JSON.parse(composeWebhookBody({ definition, submission: { ...submission, payment_reference: null, pay_payment_id: null, payment_amount: null }, links }));
  assert.equal('payment' in unpaid, false);
});
