import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotifyClient } from 'notifications-node-client';
import { createTestService, startNotifyServer } from '../fixtures/notify-fixtures.ts';

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
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      body: new URLSearchParams({ _csrf: csrfOf(html), key: path.split('key=')[1] as string, email_address: email }).toString(),
    });
  const wrong = await post('someone@example.com');
  assert.equal(wrong.status, 400);
  assert.match(await wrong.text(), /There is a problem[\s\S]*This is not the email address the file was sent to/);
  const empty = await post('');
  assert.match(await empty.text(), /Enter your email address/);

  const right = await post(' ffion@example.COM ');
  assert.equal(right.status, 200);
  const downloadPage = await right.text();
  assert.match(downloadPage, /Download report\.csv/);
  const downloadPath = /href="(\/notify\/files\/[^"]+\/download\?key=[^"]+)"/.exec(downloadPage)?.[1] ?? '';
  const downloaded = await fetch(`${baseUrl}${downloadPath.replace(/&amp;/g, '&')}`, { headers: { cookie: `${cookies}; ${cookiesOf(right)}` } });
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
