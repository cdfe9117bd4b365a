import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { NotifyClient } from 'notifications-node-client';
import { createTestService, startAnotherProcess, startNotifyServer } from '../fixtures/notify-fixtures.ts';

function cookiesOf(response: Response): string {
  return response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]).join('; ');
}

function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

test('a file sent with prepareUpload becomes a link; the page asks for the email address first, then gives the file', async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core);
  const template = await core.templates.create({
    serviceId: service.serviceId, type: 'email', name: 'File', subject: 'Your file', body: 'Download it: ((link_to_file))', createdBy: 'a@example.gov.uk', actor: 'operator:test',
  });
  const client = new NotifyClient(baseUrl, service.keys.live);
  const file = Buffer.from('name,amount\nFfion,10\n');
  const sent = await client.sendEmail(template.id, 'Ffion@Example.com', {
    personalisation: { link_to_file: client.prepareUpload(file, { filename: 'report.csv', retentionPeriod: '4 weeks' }) },
  });
  const link = /Download it: (\S+)/.exec(sent.data.content.body)?.[1] ?? '';
  assert.match(link, new RegExp(`^${core.baseUrl}/notify/files/[0-9a-f-]{36}\\?key=[A-Za-z0-9_-]{32}$`));
  const path = link.slice(core.baseUrl.length);

  const page = await fetch(`${baseUrl}${path}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Confirm your email address/);
  const cookies = cookiesOf(page);
  const direct = await fetch(`${baseUrl}${path.replace('?', '/download?')}`, { redirect: 'manual', headers: { cookie: cookies } });
  assert.equal(direct.status, 303, 'no file before the address is confirmed');

  const post = (email: string) =>
    fetch(`${baseUrl}${path.split('?')[0]}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      body: new URLSearchParams({ _csrf: csrfOf(html), key: path.split('key=')[1] as string, email_address: email }).toString(),
    });
  const wrong = await post('someone@example.com');
  assert.equal(wrong.status, 400);
  assert.match(await wrong.text(), /There is a problem[\s\S]*This is not the email address the file was sent to/);
  const empty = await post('');
  assert.match(await empty.text(), /Enter your email address/);

  const answered = await post(' ffion@example.COM ');
  assert.equal(answered.status, 303, 'post/redirect/get: the download page is a GET');
  assert.equal(answered.headers.get('location'), path);
  const right = await fetch(`${baseUrl}${path}`, { headers: { cookie: `${cookies}; ${cookiesOf(answered)}` } });
  assert.equal(right.status, 200);
  const downloadPage = await right.text();
  assert.match(downloadPage, /Download report\.csv/);
  const downloadPath = /href="(\/notify\/files\/[^"]+\/download\?key=[^"]+)"/.exec(downloadPage)?.[1] ?? '';
  const downloaded = await fetch(`${baseUrl}${downloadPath.replace(/&amp;/g, '&')}`, { headers: { cookie: `${cookies}; ${cookiesOf(answered)}` } });
  assert.equal(downloaded.status, 200);
  assert.match(downloaded.headers.get('content-disposition') ?? '', /^attachment; filename="report\.csv"/);
  assert.ok(Buffer.from(await downloaded.arrayBuffer()).equals(file));

  const badKey = await fetch(`${baseUrl}${path.replace(/key=.*/, 'key=wrong')}`);
  assert.equal(badKey.status, 404);
  assert.match(await badKey.text(), /This file is not available/);

  const noConfirm = await client.sendEmail(template.id, 'b@example.com', {
    personalisation: { link_to_file: client.prepareUpload(file, { filename: 'b.csv', confirmEmailBeforeDownload: false }) },
  });
  const noConfirmPath = (/Download it: (\S+)/.exec(noConfirm.data.content.body)?.[1] ?? '').slice(core.baseUrl.length);
  assert.match(await (await fetch(`${baseUrl}${noConfirmPath}`)).text(), /Download b\.csv/, 'no question when the service turned it off');

  const badRetention = await client
    .sendEmail(template.id, 'b@example.com', { personalisation: { link_to_file: client.prepareUpload(file, { retentionPeriod: '99 weeks' }) } })
    .catch((error: { response: { data: unknown } }) => error.response.data);
  assert.deepEqual(badRetention, {
    status_code: 400,
    errors: [{ error: 'BadRequestError', message: "Unsupported value for retention_period '99 weeks'. Supported periods are from 1 to 78 weeks." }],
  });
});

test('the email question takes 5 answers in 15 minutes, counted by every process, then none for 15 minutes, however right; in Welsh too', async (t) => {
  const { baseUrl, core, kernel } = await startNotifyServer(t);
  // A second process on the same database: the answers are counted there, not in memory.
  const { baseUrl: otherBaseUrl } = await startAnotherProcess(t, kernel);

  const service = await createTestService(core);
  const template = await core.templates.create({
    serviceId: service.serviceId, type: 'email', name: 'File', subject: 'Your file', body: 'Download it: ((link_to_file))', createdBy: 'a@example.gov.uk', actor: 'operator:test',
  });
  const client = new NotifyClient(baseUrl, service.keys.live);
  const sent = await client.sendEmail(template.id, 'ffion@example.com', {
    personalisation: { link_to_file: client.prepareUpload(Buffer.from('secret'), { filename: 'letter.txt' }) },
  });
  const path = (/Download it: (\S+)/.exec(sent.data.content.body)?.[1] ?? '').slice(core.baseUrl.length);
  const [filePath, key] = path.split('?key=') as [string, string];

  const page = await fetch(`${baseUrl}${path}`);
  assert.equal(page.headers.get('cache-control'), 'no-store', 'the file page is never stored');
  const cookies = cookiesOf(page);
  const csrf = csrfOf(await page.text());
  const answer = async (email: string, options: { on?: string; lang?: string } = {}) => {
    let response = await fetch(`${options.on ?? baseUrl}${filePath}${options.lang ? `?lang=${options.lang}` : ''}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      body: new URLSearchParams({ _csrf: csrf, key, email_address: email }).toString(),
    });
    if (response.status === 303) {
      response = await fetch(`${options.on ?? baseUrl}${response.headers.get('location')}`, { headers: { cookie: `${cookies}; ${cookiesOf(response)}` } });
    }
    return { status: response.status, html: await response.text(), cacheControl: response.headers.get('cache-control') };
  };

  // Typing mistakes are forgiven once the right address is given.
  for (let attempt = 0; attempt < 4; attempt += 1) assert.equal((await answer('ffion@example.org')).status, 400);
  const right = await answer('ffion@example.com');
  assert.equal(right.status, 200);
  assert.match(right.html, /Download letter\.txt/);
  assert.equal(right.cacheControl, 'no-store');

  // Guessing is not: 5 wrong answers, wherever they are given, lock the question.
  for (const on of [baseUrl, otherBaseUrl, baseUrl, otherBaseUrl]) {
    const wrong = await answer('someone@example.com', { on });
    assert.equal(wrong.status, 400);
    assert.match(wrong.html, /This is not the email address the file was sent to/);
  }
  const fifth = await answer('someone@example.com', { on: otherBaseUrl });
  assert.equal(fifth.status, 429);
  assert.match(fifth.html, /There is a problem[\s\S]*You entered the wrong email address too many times\. Wait 15 minutes, then try again/);
  assert.match(fifth.html, /govuk-error-message/, 'the message is on the field');
  assert.doesNotMatch(fifth.html, /someone@example\.com/);

  for (const on of [baseUrl, otherBaseUrl]) {
    const locked = await answer('ffion@example.com', { on });
    assert.equal(locked.status, 429, 'not even the right address is checked while locked');
    assert.doesNotMatch(locked.html, /Download letter\.txt/);
  }
  const welsh = await answer('ffion@example.com', { lang: 'cy' });
  assert.equal(welsh.status, 429);
  assert.match(welsh.html, /Rydych wedi rhoi&#39;r cyfeiriad e-bost anghywir gormod o weithiau\. Arhoswch 15 munud, yna rhowch gynnig arall arni/);

  const events = await core.audit.listRecent({ subject: `notify-file:${/files\/([0-9a-f-]{36})/.exec(filePath)?.[1]}` });
  assert.equal(events.filter((event) => event.action === 'notify.file.email-wrong').length, 9);
  assert.deepEqual(events[0]?.details, { locked: true });
  assert.ok(!JSON.stringify(events).includes('example.com'), 'no address in the audit trail');
});

test('answers count within a 15-minute window; a lock ends after 15 minutes; the right answer clears the count', async (t) => {
  const { core } = await startNotifyServer(t);
  const file = {
    id: randomUUID(), service_id: randomUUID(), notification_id: randomUUID(), token_hash: 'hash', filename: 'a.txt', content: '', confirm_email: 1,
    recipient_email: 'ffion@example.com', expires_at: '2099-01-01T00:00:00.000Z', created_at: '2025-03-14T10:00:00.000Z',
  };
  await core.stores.files.insert(core.db, file);
  const minutes = (count: number) => new Date(Date.parse('2025-03-14T10:00:00.000Z') + count * 60_000);
  const answerAt = (at: Date) =>
    core.stores.files.countConfirmationAnswer(core.db, {
      id: file.id,
      now: at.toISOString(),
      windowStart: new Date(at.getTime() - 15 * 60_000).toISOString(),
      lockUntil: new Date(at.getTime() + 15 * 60_000).toISOString(),
      maxAnswers: 5,
    });

  assert.equal(await answerAt(minutes(0)), 1);
  assert.equal(await answerAt(minutes(5)), 2);
  assert.equal(await answerAt(minutes(16)), 1, 'a window 15 minutes old starts again');
  for (const [at, count] of [[17, 2], [18, 3], [19, 4], [20, 5]] as const) assert.equal(await answerAt(minutes(at)), count);
  assert.equal((await core.stores.files.find(core.db, file.id))?.confirm_locked_until, minutes(35).toISOString());
  assert.equal(await answerAt(minutes(21)), undefined, 'locked');
  assert.equal(await answerAt(minutes(34)), undefined, 'still locked');
  assert.equal(await answerAt(minutes(35)), 1, 'the lock is over, and so is its window');
  assert.equal(await answerAt(minutes(36)), 2);

  await core.stores.files.clearConfirmationAnswers(core.db, file.id);
  assert.equal(await answerAt(minutes(37)), 1);
  for (const at of [38, 39, 40, 41]) await answerAt(minutes(at));
  await core.stores.files.clearConfirmationAnswers(core.db, file.id);
  assert.equal((await core.stores.files.find(core.db, file.id))?.confirm_locked_until, null, 'the right answer ends a lock it set itself');
});
