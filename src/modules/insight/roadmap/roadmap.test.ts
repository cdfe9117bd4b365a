import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { modules } from '../../../app.ts';
import { runCivitas } from '../../../testing/civitas-cli.ts';
import { createWelshWalk } from '../../../testing/english-in-welsh.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { readRoadmap } from './roadmap-document.ts';

const EXAMPLE = join(import.meta.dirname, 'roadmap-2022-2025.json');
const example = () => JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown> & { missions: Array<Record<string, unknown>> };

test('the shipped 2022-25 roadmap imports and renders: six missions, statuses in words, history, JSON and CSV of every update, and all of it in Welsh', async (t) => {
  const { app, kernel } = await createTestApp(t);
  assert.match((await app.inject({ method: 'GET', url: '/performance/roadmap' })).body, /No roadmap has been published yet/);
  assert.equal((await app.inject({ method: 'GET', url: '/performance/roadmap.json' })).statusCode, 404);

  const imported = await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, 'insight', 'import-roadmap', EXAMPLE, '--json');
  assert.equal(imported.exitCode, 0, imported.stderr);
  assert.deepEqual(JSON.parse(imported.stdout), { imported: true, version: 1, missions: 6, commitments: 8, updates: 6 });

  const page = await app.inject({ method: 'GET', url: '/performance/roadmap' });
  assert.equal(page.statusCode, 200);
  assert.equal([...page.body.matchAll(/<h2 class="govuk-heading-l" id="/g)].length, 6);
  assert.match(page.body, /<strong class="govuk-tag govuk-tag--red">Off track<\/strong> 29 services reached a great standard by 2025/);
  assert.match(page.body, /8 services \(June 2022\)/);
  assert.match(page.body, /50 services by March 2025/);
  assert.match(page.body, /Earlier updates on 50 of the top 75 services at a great standard/);

  const json = (await app.inject({ method: 'GET', url: '/performance/roadmap.json' })).json();
  assert.equal(json.version, 1);
  assert.equal(json.missions.length, 6);
  const csv = (await app.inject({ method: 'GET', url: '/performance/roadmap.csv' })).body.trim().split('\r\n');
  assert.equal(csv[0], 'mission,commitment,title,owner,baseline_value,baseline_date,target_value,target_date,date,value,status,reason,evidence');
  assert.equal(csv.length, 1 + 6, 'a row for each update');
  assert.match(csv[2] ?? '', /^transformed-services,top-75-services-great,50 of the top 75 services at a great standard,Central Digital and Data Office,8,2022-06,50,2025-03,2025-03,29,red,/);

  const walk = createWelshWalk(modules, { names: ['Central Digital and Data Office', 'Government Digital Service', 'Transforming for a digital future: 2022 to 2025 roadmap for digital and data', 'A blueprint for modern digital government', 'CSV', 'JSON'] });
  walk.check((await app.inject({ method: 'GET', url: '/performance/roadmap?lang=cy' })).body, 'the roadmap in Welsh');
  assert.equal(walk.report(), '', 'English on Welsh pages');

  const events = (await kernel.audit.listRecent({ limit: 10 })).map((event) => event.action);
  assert.ok(events.includes('insight.roadmap.imported'));
  const again = await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, 'insight', 'import-roadmap', EXAMPLE, '--json');
  assert.equal(JSON.parse(again.stdout).version, 2, 'each import is a version of its own');
});

test('attacker: a roadmap with any problem is refused whole, each problem by its JSON path; nothing is stored', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const bad = example();
  const mission = bad.missions[0] as { id: string; commitments: Array<Record<string, unknown>> };
  const commitment = mission.commitments[0] as Record<string, unknown> & { updates: Array<Record<string, unknown>> };
  commitment.updates[1] = { ...commitment.updates[1], status: 'purple', date: '2025-13-01', evidence: [{ title: 'x', url: 'javascript:alert(1)' }] };
  (bad.missions[1] as { id: string }).id = 'transformed-services';
  (bad.missions[2] as Record<string, unknown>).title = '<script>'.repeat(300);
  const problems = (readRoadmap(bad) as { problems: Array<{ path: string; message: string }> }).problems;
  assert.deepEqual(problems.map((problem) => problem.path), [
    '$.missions[0].commitments[0].updates[1].date',
    '$.missions[0].commitments[0].updates[1].status',
    '$.missions[0].commitments[0].updates[1].evidence[0].url',
    '$.missions[1].id',
    '$.missions[2].title',
  ]);
  const twice = example();
  const first = (twice.missions[0] as { commitments: Array<{ updates: Array<{ date: string }> }> }).commitments[0]!;
  first.updates[1]!.date = first.updates[0]!.date;
  assert.deepEqual((readRoadmap(twice) as { problems: Array<{ path: string }> }).problems.map((problem) => problem.path), ['$.missions[0].commitments[0].updates']);
  for (const document of [null, [], 'roadmap', { title: 'x' }, { title: 'x', missions: {} }]) assert.ok('problems' in readRoadmap(document), JSON.stringify(document));

  const folder = mkdtempSync(join(tmpdir(), 'civitas-roadmap-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  writeFileSync(join(folder, 'bad.json'), JSON.stringify(bad));
  writeFileSync(join(folder, 'not.json'), '{"title": ');
  const refused = await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, 'insight', 'import-roadmap', join(folder, 'bad.json'));
  assert.equal(refused.exitCode, 1);
  assert.match(refused.stdout, /\$\.missions\[0\]\.commitments\[0\]\.updates\[1\]\.status must be green, amber or red/);
  for (const args of [[join(folder, 'not.json')], [join(folder, 'missing.json')], []]) assert.notEqual((await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, 'insight', 'import-roadmap', ...args)).exitCode, 0);
  assert.equal((await app.inject({ method: 'GET', url: '/performance/roadmap.json' })).statusCode, 404, 'nothing was stored');
  const civitas = async (...args: string[]) => JSON.parse((await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, ...args, '--json')).stdout) as Record<string, string>;
  const { organisation_id: organisationId } = await civitas('console', 'organisation', 'add', '--name', 'Roadmap Office', '--owner-email', 'o@roadmap.example.gov.uk');
  const { service_id: serviceId } = await civitas('console', 'service', 'add', '--organisation', organisationId!, '--name', 'Roadmap');
  const reserved = await runCivitas({ DATABASE_URL: kernel.testDatabase.url }, 'insight', 'publish', '--service', serviceId!);
  assert.equal(reserved.exitCode, 1, 'a service called Roadmap cannot take the tracker\'s address');
  assert.match(reserved.stderr, /\/performance\/roadmap is Insight's own page/);
});
