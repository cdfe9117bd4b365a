import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createTestApp } from '../../../../testing/test-kernel.ts';
import { createProblemReports, REPORTS_PER_ADDRESS } from '../../problem-reports/problem-reports.ts';

/** A browser of sorts: keeps cookies between requests and sends a page's CSRF token back with its form. */
function createVisitor(app: FastifyInstance, headers: Record<string, string> = {}) {
  const cookies = new Map<string, string>();
  const inject = async (options: { method: 'GET' | 'POST'; url: string; form?: Record<string, string> }) => {
    const response = await app.inject({
      method: options.method,
      url: options.url,
      headers: { ...headers, cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '), ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      payload: options.form ? new URLSearchParams(options.form).toString() : undefined,
    });
    for (const cookie of response.cookies) cookies.set(cookie.name, cookie.value);
    return response;
  };
  return {
    get: (url: string) => inject({ method: 'GET', url }),
    /** Fetches the form page, then posts its form with these answers. */
    async report(answers: Record<string, string>, url = '/report-a-problem') {
      const page = await inject({ method: 'GET', url });
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const page_ = /name="page" value="([^"]*)"/.exec(page.body)?.[1];
      return inject({ method: 'POST', url: '/report-a-problem', form: { _csrf: token, ...(page_ ? { page: page_ } : {}), ...answers } });
    },
  };
}

const decode = (html: string) => html.replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&amp;', '&');

test('every page links to "Report a problem" from its phase banner, with the page it was on, in English and Welsh', async (t) => {
  const { app } = await createTestApp(t);
  for (const path of ['/', '/privacy', '/pay', '/notify']) {
    const page = await app.inject({ method: 'GET', url: path });
    assert.equal(page.statusCode, 200, path);
    assert.match(page.body, /<div class="govuk-phase-banner[\s\S]*Help us improve it by <a class="govuk-link" href="\/report-a-problem\?page=%2F[a-z]*" target="_blank" rel="noopener">reporting a problem \(opens in new tab\)<\/a>/);
  }
  const welsh = await app.inject({ method: 'GET', url: '/cookies?lang=cy' });
  assert.match(decode(welsh.body), /Helpwch ni i'w wella drwy <a class="govuk-link" href="\/report-a-problem\?page=%2Fcookies" target="_blank" rel="noopener">roi gwybod am broblem \(yn agor mewn tab newydd\)<\/a>/);

  const form = await app.inject({ method: 'GET', url: '/report-a-problem?page=%2Fcookies' });
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /<h1 class="govuk-heading-l">Report a problem<\/h1>/);
  assert.match(form.body, /<input type="hidden" name="page" value="\/cookies">/);
  assert.match(form.body, /You can enter up to 3000 characters/, 'the limit is stated (the character count)');
  const welshForm = await app.inject({ method: 'GET', url: '/report-a-problem?lang=cy' });
  assert.match(decode(welshForm.body), /Rhoi gwybod am broblem<\/h1>[\s\S]*Beth aeth o'i le\?[\s\S]*Gallwch roi hyd at 3000 nod/);
});

test('a live service shows no phase banner: the footer links to "Report a problem" instead', async (t) => {
  const { app } = await createTestApp(t, { environment: { PHASE: 'live' } });
  const page = await app.inject({ method: 'GET', url: '/privacy' });
  assert.doesNotMatch(page.body, /govuk-phase-banner/);
  assert.match(page.body, /<a class="govuk-footer__link" href="\/report-a-problem\?page=%2Fprivacy">\s*Report a problem\s*<\/a>/);
});

test('a person reports a problem: stored with its page, then the thank-you page (post/redirect/get); the text is never logged', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const { app, kernel } = await createTestApp(t, { logger });
  const visitor = createVisitor(app);

  const sent = await visitor.report({ whatDoing: 'Paying for a parking permit', whatWentWrong: 'The card page said 7QX-SECRET-WORDS', email: 'ffion@example.com' }, '/report-a-problem?page=%2Fpay%2Fcard');
  assert.equal(sent.statusCode, 303);
  assert.equal(sent.headers.location, '/report-a-problem/sent');
  const thanks = await visitor.get('/report-a-problem/sent');
  assert.match(thanks.body, /<h1 class="govuk-panel__title">\s*Thank you for your report\s*<\/h1>/);
  const welshThanks = await visitor.get('/report-a-problem/sent?lang=cy');
  assert.match(welshThanks.body, /Diolch am eich adroddiad/);

  const [report] = await createProblemReports({ db: kernel.db }).listRecent(5);
  assert.deepEqual(
    { page: report?.page, whatDoing: report?.whatDoing, whatWentWrong: report?.whatWentWrong, email: report?.email, language: report?.language },
    { page: '/pay/card', whatDoing: 'Paying for a parking permit', whatWentWrong: 'The card page said 7QX-SECRET-WORDS', email: 'ffion@example.com', language: 'en' },
  );
  const logs = lines.join('');
  assert.match(logs, /problem report stored/);
  for (const secret of ['7QX-SECRET-WORDS', 'parking permit', 'ffion@example.com']) assert.ok(!logs.includes(secret), `${secret} is not logged`);
});

test('each limit is a GOV.UK field error stating it, answers kept; in Welsh with "Gwall:"', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const visitor = createVisitor(app);

  const empty = await visitor.report({ whatDoing: '', whatWentWrong: '   ', email: '' });
  assert.equal(empty.statusCode, 400);
  assert.match(empty.body, /<a href="#what-went-wrong">Enter what went wrong<\/a>/);
  assert.match(empty.body, /<span class="govuk-visually-hidden">Error:<\/span> Enter what went wrong/);
  assert.match(empty.body, /<title>Error: Report a problem/);

  const long = await visitor.report({ whatDoing: 'd'.repeat(1200), whatWentWrong: 'w'.repeat(6000), email: 'not an address' });
  assert.equal(long.statusCode, 400);
  assert.match(long.body, /What you were doing must be 1,000 characters or less/);
  assert.match(long.body, /What went wrong must be 3,000 characters or less/);
  assert.match(long.body, /Enter an email address in the correct format, like name@example.com/);
  assert.ok(long.body.includes('w'.repeat(6000)), 'the answer is kept to be shortened');

  const welsh = await visitor.report({ whatWentWrong: 'w'.repeat(3001) }, '/report-a-problem?lang=cy');
  assert.match(decode(welsh.body), /<span class="govuk-visually-hidden">Gwall:<\/span> Rhaid i'r hyn a aeth o'i le fod yn 3,000 nod neu lai/);

  assert.deepEqual(await createProblemReports({ db: kernel.db }).listRecent(5), [], 'nothing was stored');
});

test('attacker: no CSRF token, no report; a page of another site is not kept', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const forged = await app.inject({
    method: 'POST',
    url: '/report-a-problem',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ whatWentWrong: 'forged' }).toString(),
  });
  assert.equal(forged.statusCode, 403);

  const visitor = createVisitor(app);
  const form = await visitor.get('/report-a-problem?page=%2F%2Fevil.example%2F');
  assert.doesNotMatch(form.body, /name="page"/);
  const sent = await visitor.report({ whatWentWrong: 'x', page: 'https://evil.example/' });
  assert.equal(sent.statusCode, 303);
  const [report] = await createProblemReports({ db: kernel.db }).listRecent(1);
  assert.equal(report?.page, null);
});

test(`attacker: past ${REPORTS_PER_ADDRESS.max} reports an hour from one address, the form says to wait (429), keeping the answer`, async (t) => {
  const { app, kernel } = await createTestApp(t);
  const visitor = createVisitor(app);
  for (let sent = 0; sent < REPORTS_PER_ADDRESS.max; sent += 1) assert.equal((await visitor.report({ whatWentWrong: `report ${sent}` })).statusCode, 303);
  const refused = await visitor.report({ whatWentWrong: 'one too many' });
  assert.equal(refused.statusCode, 429);
  assert.ok(Number(refused.headers['retry-after']) > 0);
  assert.match(refused.body, /You have reported a lot of problems in the last hour. Wait \d+ minutes, then send this report again./);
  assert.match(refused.body, />one too many<\/textarea>/);
  assert.equal((await createProblemReports({ db: kernel.db }).listRecent(100)).length, REPORTS_PER_ADDRESS.max);
});
