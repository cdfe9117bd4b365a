import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { createProblemReports } from './problem-reports/problem-reports.ts';
import { runCivitas } from '../../testing/civitas-cli.ts';

/** `civitas ...` as an operator runs it, in this process (src/cli.test.ts runs the bin itself). */
const civitas = (databaseUrl: string, ...args: string[]) => runCivitas({ DATABASE_URL: databaseUrl }, ...args);

test('an operator reads the problems people reported with `civitas site problems`, and the reading is audited', async (t) => {
  const kernel = await createTestKernel(t);
  const reports = createProblemReports({ db: kernel.db });
  await reports.send({ addressKey: '192.0.2.1', fields: { whatDoing: 'Paying', whatWentWrong: 'The button did nothing', email: 'ffion@example.com', page: '/pay' }, language: 'cy' });

  const help = await civitas(kernel.testDatabase.url, 'site', '--help');
  assert.match(help.stdout, /site problems/);
  const listed = await civitas(kernel.testDatabase.url, 'site', 'problems');
  assert.equal(listed.exitCode, 0, listed.stderr);
  assert.match(listed.stdout, /\(cy\) on \/pay\nReply to: ffion@example\.com\nDoing: Paying\nWent wrong: The button did nothing/);
  const json = await civitas(kernel.testDatabase.url, 'site', 'problems', '--json', '--limit', '5');
  assert.equal(JSON.parse(json.stdout)[0].whatWentWrong, 'The button did nothing');
  const wrong = await civitas(kernel.testDatabase.url, 'site', 'problems', '--limit', '0');
  assert.equal(wrong.exitCode, 2);

  const audited = await kernel.audit.listRecent({ subject: 'site:problem-reports' });
  assert.deepEqual(audited.map((event) => [event.action, event.details]), [['site.problem-reports.read', { reports: 1 }], ['site.problem-reports.read', { reports: 1 }]]);
});
