import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rightCovers } from './authorise-call.ts';

const AWARD = { method: 'GET', path: '/awards/{reference}', fields: ['$.status'] };
const covers = (pattern: string, path: string, method = 'GET') => rightCovers({ endpoint_method: 'GET', endpoint_path: pattern }, method, path, path.startsWith('/awards/') ? AWARD : undefined);

test("an access right's path covers as X-Road's wildcards do: * one non-empty segment, ** any depth, a template its endpoint", () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', '/anything/at/all', true],
    ['/awards/*', '/awards/AB123456C', true],
    ['/awards/*', '/awards/', false],
    ['/awards/*', '/awards//AB123456C', false],
    ['/awards/*', '/awards/AB123456C/history', false],
    ['/awards/*', '/awards', false],
    ['/awards/*', '/awardsX', false],
    ['/awards/AB*', '/awards/AB123456C', true],
    ['/awards/AB*', '/awards/CD123456C', false],
    ['/awards/**', '/awards/AB123456C/history', true],
    ['/awards/**', '/awards/AB123456C', true],
    ['/awards/**', '/awards/', false],
    ['/awards/**', '/awards//history', false],
    ['/awards/**', '/other/AB123456C', false],
    ['/awards/{reference}', '/awards/AB123456C', true],
    ['/awards/AB123456C', '/awards/AB123456C', true],
    ['/awards/AB123456C', '/awards/AB123456D', false],
  ];
  for (const [pattern, path, expected] of cases) assert.equal(covers(pattern, path), expected, `${pattern} ${path}`);
  assert.equal(covers('/awards/*', '/awards/AB123456C', 'POST'), false);
});
