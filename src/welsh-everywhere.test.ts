import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyPluginAsync } from 'fastify';
import { modules as allModules } from './app.ts';
import { createFormClient, startIdentityServer, type FormClient, type FormPage } from './modules/identity/testing/identity-testing.contract.ts';
import type { CivitasModule } from './platform/module.ts';
import { englishCatalogueRuns, findEnglish, type EnglishFound } from './testing/english-in-welsh.ts';

/**
 * Every page a person can reach, in Welsh, shows no English but names (issue 11, item 5): each
 * page's text is compared with every English text of the message files and with the commonest
 * English words. First every page that needs nothing but its address; then the journeys.
 */

const catalogueRuns = englishCatalogueRuns(allModules);

/** Collects the address of every GET route the modules register after it (its hook is on the root). */
function createRouteCollector(paths: Set<string>): CivitasModule {
  const plugin: FastifyPluginAsync = async (app) => {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (methods.includes('GET')) paths.add(route.url);
    });
  };
  Object.assign(plugin, { [Symbol.for('skip-override')]: true });
  return { name: 'route-collector', plugin };
}

/** A browser that has chosen Welsh (the language cookie, as the language switch sets it). */
function createWelshBrowser(baseUrl: string): FormClient {
  const browser = createFormClient(baseUrl);
  browser.cookies.set('civitas_lang', 'cy');
  return browser;
}

type Findings = Map<string, EnglishFound[]>;

function check(findings: Findings, page: FormPage, label = new URL(page.url).pathname): void {
  if (!/^\s*<!DOCTYPE html>/i.test(page.html)) return;
  const found = findEnglish(page.html, { catalogueRuns });
  if (!/<html lang="cy"/.test(page.html)) found.unshift({ kind: 'word', found: '<html> not lang="cy"', context: '' });
  if (found.length > 0) findings.set(label, found);
}

function report(findings: Findings): string {
  return [...findings].map(([path, found]) => `${path}\n${found.map((item) => `  ${item.kind} "${item.found}": …${item.context}…`).join('\n')}`).join('\n');
}

/** Addresses that are not pages for people: protocols, APIs, files and the health checks. */
const NOT_PAGES = /^\/(v\d|\.well-known|assets|healthz|readyz|metrics|authorize|token|userinfo|trustmark|jwks|oauth|api)(\/|$)/;

test('every page that needs only its address is all Welsh', async (t) => {
  const paths = new Set<string>();
  const { baseUrl } = await startIdentityServer(t, { modules: [createRouteCollector(paths), ...allModules] });
  const browser = createWelshBrowser(baseUrl);
  const findings: Findings = new Map();
  const visited: string[] = [];
  for (const path of [...paths, '/development/outbox', '/no-such-page'].sort()) {
    if (path.includes(':') || path.includes('*') || NOT_PAGES.test(path)) continue;
    const page = await browser.get(path);
    visited.push(path);
    check(findings, page, `${path} (${page.status}${page.url.endsWith(path) ? '' : ` at ${new URL(page.url).pathname}`})`);
  }
  assert.ok(visited.length > 30, `${visited.length} pages visited`);
  assert.equal(findings.size, 0, `English on Welsh pages:\n${report(findings)}`);
});
