import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../testing/test-kernel.ts';
import { guidanceCommands } from './guidance.cli.ts';
import { openGuidanceLibrary } from './guidance.contract.ts';
import { guidanceModule } from './guidance.module.ts';

test('the shipped examples: at least 40 pages, all accepted by `guidance seed`, every page served and every link to guidance leads to a page', async (t) => {
  const { app, kernel } = await createTestApp(t, { modules: [guidanceModule] });
  const seed = guidanceCommands.find((command) => command.name === 'guidance seed')!;
  let printed: { files: Array<{ file: string; outcome: string; reason?: string }> } | undefined;
  const exitCode = await seed.run({ values: {}, positionals: [], json: true, config: () => kernel.config, kernel: () => kernel, print: (data) => (printed = data as typeof printed), write: () => {}, warn: () => {} });
  assert.deepEqual(printed!.files.filter((file) => file.outcome === 'refused'), []);
  assert.equal(exitCode, 0);

  const pages = await openGuidanceLibrary(kernel).listPublished();
  const english = pages.filter((page) => page.lang === 'en');
  assert.ok(english.length >= 40, `${english.length} English pages`);
  for (const type of ['guide', 'answer', 'step-by-step']) assert.ok(english.some((page) => page.type === type), type);
  assert.ok(pages.some((page) => page.lang === 'cy' && page.type === 'guide'));

  const visited = new Set<string>();
  const toVisit = pages.map((page) => `${page.type === 'step-by-step' ? '/step-by-step' : '/guidance'}/${page.slug}?lang=${page.lang}`);
  while (toVisit.length > 0) {
    const url = toVisit.pop()!;
    if (visited.has(url)) continue;
    visited.add(url);
    const response = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
    const lang = new URL(url, 'http://localhost').searchParams.get('lang');
    const location = String(response.headers.location ?? '');
    // A part named in the other language leads to the same part in this one (English content shown in Welsh links to English part names).
    if (response.statusCode === 302 && /^\/guidance\/[a-z0-9-]+\/[a-z0-9-]+$/.test(location)) {
      toVisit.push(`${location}?lang=${lang}`);
      continue;
    }
    assert.equal(response.statusCode, 200, url);
    for (const [, href] of response.body.matchAll(/href="(\/(?:guidance|step-by-step)\/[a-z0-9/-]+)(?:#[a-z0-9-]+)?"/g)) {
      toVisit.push(`${href}?lang=${lang}`);
    }
  }
  assert.ok(visited.size > 60, `${visited.size} pages visited`);
});
