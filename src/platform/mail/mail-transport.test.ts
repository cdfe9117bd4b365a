import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createTestApp } from '../../testing/test-kernel.ts';
import { formatDateTime } from '../http/dates.ts';

type Received = { from: string; to: string[]; raw: string; user?: string };

async function startSmtpServer(t: TestContext, options: { requireAuth?: boolean } = {}) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: !options.requireAuth,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // The client's pooled connection is closed by the kernel after this server; don't wait for it.
    closeTimeout: 100,
    onAuth(auth, _session, callback) {
      if (auth.username === 'civitas' && auth.password === 'p@ss word') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          raw,
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as { port: number };
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, received };
}

test('with SMTP_URL set, email goes to the SMTP server with its text and HTML parts and a stable Message-ID', async (t) => {
  const smtp = await startSmtpServer(t, { requireAuth: true });
  const { kernel } = await createTestApp(t, {
    environment: {
      SMTP_URL: `smtp://civitas:${encodeURIComponent('p@ss word')}@127.0.0.1:${smtp.port}?tls=none`,
      MAIL_FROM: 'Civitas Notify <notify@civitas.example>',
    },
  });
  assert.equal(kernel.mail.kind, 'smtp');
  assert.equal(kernel.developmentOutbox, undefined);
  await kernel.mail.send({
    to: 'ffion@example.com',
    subject: 'Your code',
    text: 'Your code is 123456',
    html: '<p>Your code is <strong>123456</strong></p>',
    messageId: 'notification-42',
  });
  assert.equal(smtp.received.length, 1);
  const [message] = smtp.received;
  assert.equal(message?.user, 'civitas');
  assert.equal(message?.from, 'notify@civitas.example');
  assert.deepEqual(message?.to, ['ffion@example.com']);
  assert.match(message?.raw ?? '', /^Message-ID: <notification-42@civitas>/m);
  assert.match(message?.raw ?? '', /^Subject: Your code/m);
  assert.match(message?.raw ?? '', /Content-Type: text\/plain/);
  assert.match(message?.raw ?? '', /Content-Type: text\/html/);
});

test('an address that needs encoding goes through the full composer (SMTPUTF8 here), with the same Message-ID', async (t) => {
  const smtp = await startSmtpServer(t);
  const { kernel } = await createTestApp(t, { environment: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}?tls=none` } });
  await kernel.mail.send({ to: 'ffion@bücher.example', subject: 'Eich cod', text: 'Eich cod yw 123456', html: '<p>Eich cod yw 123456</p>', messageId: 'notification-43' });
  const [message] = smtp.received;
  assert.deepEqual(message?.to, ['ffion@bücher.example']);
  assert.match(message?.raw ?? '', /^Message-ID: <notification-43@civitas>/m);
  assert.match(message?.raw ?? '', /^Subject: Eich cod/m);
});

test('without SMTP_URL, email is kept in the development outbox and shown at /development/outbox', async (t) => {
  const { app, kernel } = await createTestApp(t);
  assert.equal(kernel.mail.kind, 'development-outbox');
  await kernel.mail.send({
    to: 'ffion@example.com',
    subject: 'Your security code',
    text: 'Your code is 123456\nIt expires in 15 minutes.',
    html: '<p>Your code is 123456</p><script>alert(1)</script>',
  });

  const list = await app.inject({ method: 'GET', url: '/development/outbox' });
  assert.equal(list.statusCode, 200);
  assert.match(list.body, /ffion@example\.com/);
  const link = /href="(\/development\/outbox\/[0-9a-f-]{36})"/.exec(list.body)?.[1];
  assert.ok(link, 'links to the message');

  const message = await app.inject({ method: 'GET', url: link });
  assert.match(message.body, /Your code is 123456<br \/>\s*It expires in 15 minutes\./);

  const html = await app.inject({ method: 'GET', url: `${link}/html` });
  assert.equal(html.statusCode, 200);
  assert.match(html.headers['content-security-policy'] as string, /default-src 'none'.*sandbox/);

  const unknown = await app.inject({ method: 'GET', url: '/development/outbox/00000000-0000-4000-8000-000000000000' });
  assert.equal(unknown.statusCode, 404);
  const malformed = await app.inject({ method: 'GET', url: '/development/outbox/not-an-id' });
  assert.equal(malformed.statusCode, 400);
});

test("the development outbox lists a text message by its content and shows its sender, in English and Welsh", async (t) => {
  const { app, kernel } = await createTestApp(t);
  // As Notify's simulated provider keeps a text message: the sender where an email has its subject.
  await kernel.developmentOutbox?.keep({ channel: 'sms', recipient: '07700900123', text: 'Your code is 4242.\nIt expires in 15 minutes.', subject: 'Civitas' });

  const list = await app.inject({ method: 'GET', url: '/development/outbox' });
  const link = /<a class="govuk-link" href="(\/development\/outbox\/[0-9a-f-]{36})">([^<]*)<\/a>/.exec(list.body);
  assert.ok(link, 'links to the message');
  assert.match(link[2], /^Your code is 4242\./, 'the link text is the message, not its sender');

  const message = await app.inject({ method: 'GET', url: link[1] });
  assert.match(message.body, /<h1 class="govuk-heading-l">Text message<\/h1>/);
  assert.match(message.body, /Your code is 4242\.<br \/>\s*It expires in 15 minutes\./);
  assert.match(message.body, /From\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*Civitas/);

  const welsh = await app.inject({ method: 'GET', url: `${link[1]}?lang=cy` });
  assert.match(welsh.body, /<h1 class="govuk-heading-l">Neges destun<\/h1>/);
  assert.match(welsh.body, /Oddi wrth\s*<\/dt>/);
});

test('the development outbox does not exist when a real SMTP server is configured', async (t) => {
  const { app } = await createTestApp(t, { environment: { SMTP_URL: 'smtp://127.0.0.1:2525' } });
  const response = await app.inject({ method: 'GET', url: '/development/outbox' });
  assert.equal(response.statusCode, 404);
});

test('the development outbox writes when each message was sent as GOV.UK does, in UK time and the page language', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const kept = await kernel.developmentOutbox?.keep({ channel: 'email', recipient: 'ffion@example.com', subject: 'Your code', text: 'Your code is 123456' });
  assert.ok(kept);
  const english = formatDateTime(kept.createdAt, 'en');
  const welsh = formatDateTime(kept.createdAt, 'cy');

  const list = await app.inject({ method: 'GET', url: '/development/outbox' });
  assert.ok(list.body.includes(english), 'the list says when, as "2 December 2026 at 5:48pm"');
  assert.doesNotMatch(list.body, /\d{4}-\d\d-\d\d[ T]\d\d:\d\d/, 'no ISO timestamp');
  const message = await app.inject({ method: 'GET', url: `/development/outbox/${kept.id}` });
  assert.ok(message.body.includes(english));
  assert.match(message.body, /<a href="\/development\/outbox" class="govuk-back-link">Back<\/a>/, 'the back link sits where every page has it');

  const welshList = await app.inject({ method: 'GET', url: '/development/outbox?lang=cy' });
  assert.ok(welshList.body.includes(welsh), 'in Welsh: "2 Rhagfyr 2026 am 5:48yp"');
  const welshMessage = await app.inject({ method: 'GET', url: `/development/outbox/${kept.id}?lang=cy` });
  assert.ok(welshMessage.body.includes(welsh));
  assert.match(welshMessage.body, /class="govuk-back-link">Yn ôl<\/a>/);
});
