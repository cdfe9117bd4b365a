import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { checkProblemReport, createProblemReports, pageOfReport, PROBLEM_REPORT_LIMITS, REPORT_RETENTION_DAYS, REPORTS_PER_ADDRESS } from './problem-reports.ts';

const fields = { whatDoing: 'Paying for a permit', whatWentWrong: 'The page said there was a problem', email: '', page: '/pay' };

async function withReports(t: Parameters<typeof createTestKernel>[0]) {
  const kernel = await createTestKernel(t);
  let offsetMs = 0;
  const reports = createProblemReports({ db: kernel.db, clock: () => new Date(Date.now() + offsetMs) });
  return { reports, moveClock: (minutes: number) => (offsetMs += minutes * 60_000) };
}

test('reports are kept, newest first, with their page, language and optional reply address', async (t) => {
  const { reports, moveClock } = await withReports(t);
  const first = await reports.send({ addressKey: '192.0.2.1', fields, language: 'en' });
  moveClock(1);
  const second = await reports.send({ addressKey: '192.0.2.1', fields: { ...fields, whatDoing: '', email: 'ffion@example.com', page: '//evil.example' }, language: 'cy' });
  assert.ok(first.sent && second.sent);
  const [newest, oldest] = await reports.listRecent(10);
  assert.equal(newest?.id, second.id);
  assert.deepEqual(
    { page: newest?.page, whatDoing: newest?.whatDoing, email: newest?.email, language: newest?.language },
    { page: null, whatDoing: '', email: 'ffion@example.com', language: 'cy' },
    'a page that is not a path of this site is left out',
  );
  assert.deepEqual({ page: oldest?.page, email: oldest?.email, whatWentWrong: oldest?.whatWentWrong }, { page: '/pay', email: null, whatWentWrong: fields.whatWentWrong });
});

test(`attacker: one address sends at most ${REPORTS_PER_ADDRESS.max} reports an hour, even all at once; others are not held back and the window ends by itself`, async (t) => {
  const { reports, moveClock } = await withReports(t);
  const outcomes = await Promise.all(Array.from({ length: REPORTS_PER_ADDRESS.max + 10 }, () => reports.send({ addressKey: '2001:db8:1:2::/64', fields, language: 'en' })));
  assert.equal(outcomes.filter((outcome) => outcome.sent).length, REPORTS_PER_ADDRESS.max);
  const refused = outcomes.find((outcome) => !outcome.sent);
  assert.ok(refused && !refused.sent && refused.retryAfterSeconds > 0 && refused.retryAfterSeconds <= REPORTS_PER_ADDRESS.windowSeconds);
  assert.equal((await reports.listRecent(100)).length, REPORTS_PER_ADDRESS.max, 'nothing refused was stored');

  assert.ok((await reports.send({ addressKey: '192.0.2.7', fields, language: 'en' })).sent, 'another address still reports');
  moveClock(61);
  assert.ok((await reports.send({ addressKey: '2001:db8:1:2::/64', fields, language: 'en' })).sent, 'after the hour the address reports again');
});

test(`reports are removed after ${REPORT_RETENTION_DAYS} days`, async (t) => {
  const { reports, moveClock } = await withReports(t);
  await reports.send({ addressKey: '192.0.2.1', fields, language: 'en' });
  moveClock((REPORT_RETENTION_DAYS + 1) * 24 * 60);
  const latest = await reports.send({ addressKey: '192.0.2.1', fields, language: 'en' });
  assert.ok(latest.sent);
  assert.deepEqual((await reports.listRecent(10)).map((report) => report.id), [latest.id]);
});

test('answers are checked against each limit, counted in characters, not bytes', () => {
  assert.deepEqual(checkProblemReport(fields), []);
  assert.deepEqual(checkProblemReport({ ...fields, whatWentWrong: '' }), [{ field: 'whatWentWrong', fault: 'missing' }]);
  assert.deepEqual(checkProblemReport({ ...fields, whatWentWrong: 'ŵ'.repeat(PROBLEM_REPORT_LIMITS.whatWentWrong) }), [], 'Welsh letters count one each');
  assert.deepEqual(
    checkProblemReport({ whatDoing: 'a'.repeat(1001), whatWentWrong: 'b'.repeat(6000), email: `${'c'.repeat(250)}@example.com`, page: '' }),
    [
      { field: 'whatDoing', fault: 'tooLong' },
      { field: 'whatWentWrong', fault: 'tooLong' },
      { field: 'email', fault: 'tooLong' },
    ],
  );
  for (const email of ['ffion', 'ffion@', '@example.com', 'ffion@example', 'a b@example.com']) {
    assert.deepEqual(checkProblemReport({ ...fields, email }), [{ field: 'email', fault: 'notAnEmailAddress' }], email);
  }
  assert.equal(pageOfReport('/account/activity?lang=cy'), '/account/activity?lang=cy');
  for (const page of ['//evil.example', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/a b', `/${'a'.repeat(600)}`, 42]) {
    assert.equal(pageOfReport(page), null, String(page));
  }
});
