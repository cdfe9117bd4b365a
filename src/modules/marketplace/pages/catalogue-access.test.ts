import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFormClient, createTestAccount, openSigningIn, readLatestMessage, startIdentityServer } from '../../identity/testing/identity-testing.contract.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { catalogueFixtures, SECRET_WORD, seedCatalogue } from './catalogue-testing.ts';
import { runCivitas } from '../../../testing/civitas-cli.ts';

/** Words of the INTERNAL records (the shielded list and CDDO's HMRC service) that must never reach an anonymous visitor. */
const INTERNAL_MARKS = [`${SECRET_WORD} shielded people list`, 'shielded-people', 'interest-restriction-return', 'Interest Restriction', 'department-of-health-and-social-care', 'hm-revenue-customs', 'orphan-distribution'];

/** Leaves out what the visitor typed themselves: the page says back what they searched for. */
function assertNoInternal(url: string, body: string) {
  const typed = decodeURIComponent(url.replaceAll('+', ' ')).toLowerCase();
  for (const mark of INTERNAL_MARKS.filter((mark) => !typed.includes(mark.toLowerCase()))) assert.ok(!body.includes(mark), `${url} shows ${mark}`);
}

const orphanDistribution = {
  identifier: 'orphan-distribution',
  type: 'dcat:Distribution',
  title: 'A file no dataset lists',
  licence: 'http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
  mediaType: 'application/json',
};

test('attacker: an anonymous visitor never sees an INTERNAL record: not in search, counts, filters, pages, JSON, JSON-LD or CSV', async (t) => {
  const { app, kernel } = await createTestApp(t);
  await seedCatalogue(kernel, [...catalogueFixtures(), orphanDistribution]);
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...headers } });

  for (const url of [
    '/data',
    '/data?q=zebracorn',
    '/data?q=vulnerable',
    '/data?q=interest+restriction',
    '/data?accessRights=INTERNAL',
    '/data?organisation=department-of-health-and-social-care',
    '/data?organisation=hm-revenue-customs&type=DataService',
    '/data?sort=modified&lang=cy',
    '/data/catalogue.json',
    '/data/catalogue.json?q=zebracorn',
    '/data/catalogue.json?accessRights=INTERNAL',
    '/data/catalogue.jsonld',
    '/data/catalogue.csv',
    '/data/catalogue.csv?accessRights=INTERNAL',
    '/data/postcode-lookup-api',
    '/data/postcode-lookup-api.json',
    '/data/postcode-lookup-api.jsonld',
  ]) {
    const response = await get(url);
    assert.equal(response.statusCode, 200, url);
    assertNoInternal(url, response.body);
  }
  const everything = await get('/data');
  assert.match(everything.body, /5 records/);
  assert.doesNotMatch(everything.body, /Government only/);
  assert.match((await get('/data?accessRights=INTERNAL')).body, /0 records/);
  assert.deepEqual((await get('/data/catalogue.json?q=zebracorn')).json(), []);

  for (const url of ['/data/shielded-people', '/data/shielded-people.json', '/data/shielded-people.jsonld', '/data/interest-restriction-return', '/data/orphan-distribution', '/data/shielded%2Dpeople']) {
    const response = await get(url);
    assert.equal(response.statusCode, 404, url);
    assertNoInternal(url, response.body);
  }
  // The members' catalogue sends anyone not signed in to the console's sign-in, with or without a forged cookie.
  for (const url of ['/console/data', '/console/data?q=zebracorn', '/console/data/shielded-people', '/console/data/catalogue.json', '/console/data/catalogue.csv', '/console/data/catalogue.jsonld']) {
    for (const cookie of [undefined, 'console_session=forged', `console_session=${'A'.repeat(43)}.signature`]) {
      const response = await get(url, cookie ? { cookie } : {});
      assert.equal(response.statusCode, 303, url);
      assert.equal(response.headers.location, '/console/sign-in?return=%2Fconsole%2Fdata');
      assertNoInternal(url, response.body);
    }
  }
});

test('attacker: input past every limit and malformed addresses are refused or not found, never errors', async (t) => {
  const { app, kernel } = await createTestApp(t);
  await seedCatalogue(kernel);
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
  assert.equal((await get(`/data?q=${'a'.repeat(1001)}`)).statusCode, 400);
  assert.equal((await get(`/data?q=${'traffic '.repeat(120)}`)).statusCode, 200, 'a long query is cut, not refused');
  assert.equal((await get(`/data?${Array.from({ length: 21 }, (_, index) => `theme=t${index}`).join('&')}`)).statusCode, 400);
  assert.equal((await get(`/data?theme=${'x'.repeat(201)}`)).statusCode, 400);
  assert.equal((await get('/data?sort=price')).statusCode, 400);
  for (const page of ['-1', '0', 'abc', '1e9', '9999999999']) assert.equal((await get(`/data?page=${page}`)).statusCode, 200, page);
  assert.equal((await get('/data?page=99999999999999999999')).statusCode, 400);
  const unknownFilter = await get('/data?accessRights=NOT_A_VALUE&type=Catalog&serviceStatus=%3Cscript%3E');
  assert.equal(unknownFilter.statusCode, 200);
  assert.match(unknownFilter.body, /0 records/);
  assert.doesNotMatch(unknownFilter.body, /<script>/);
  for (const url of ['/data/', '/data/%E0%A4%A', '/data/nothing-here', '/data/.json', '/data/..%2F..%2Fetc%2Fpasswd', `/data/${'a'.repeat(5000)}`, '/data/catalogue.json.json']) {
    const response = await get(url);
    assert.ok([404, 301].includes(response.statusCode), `${url}: ${response.statusCode}`);
  }
});

/** `civitas ...` in this process; its output, or an error when it fails. */
async function civitas(databaseUrl: string, ...args: string[]): Promise<string> {
  const result = await runCivitas({ DATABASE_URL: databaseUrl }, ...args);
  if (result.exitCode !== 0) throw new Error(`civitas ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

test('a signed-in member of an organisation sees INTERNAL records in the members’ catalogue; someone signed in with no organisation does not', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  await seedCatalogue(kernel);
  const member = await createTestAccount(kernel, 'member@example.gov.uk');
  await civitas(kernel.testDatabase.url, 'console', 'organisation', 'add', '--name', 'Department of Health', '--owner-email', member.email);
  const invitation = /\/console\/invitations\/[A-Za-z0-9_-]{43}/.exec((await readLatestMessage(kernel, member.email))?.text ?? '')?.[0];
  assert.ok(invitation);
  const browser = createFormClient(baseUrl);
  const joining = await openSigningIn(browser, member, invitation);
  await browser.submit(joining, {});

  const catalogue = await browser.get('/console/data?q=zebracorn');
  assert.equal(catalogue.status, 200);
  assert.match(catalogue.html, /1 record/);
  assert.match(catalogue.html, new RegExp(`href="/console/data/shielded-people">${SECRET_WORD} shielded people list</a>`));
  const page = await browser.get('/console/data/shielded-people');
  assert.equal(page.status, 200);
  assert.match(page.html, /This record is for government only/);
  const json = await fetch(`${baseUrl}/console/data/catalogue.json?accessRights=INTERNAL`, { headers: { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
  assert.equal(json.headers.get('cache-control'), 'private, no-store');
  assert.deepEqual(((await json.json()) as Array<{ identifier: string }>).map((record) => record.identifier).sort(), ['interest-restriction-return', 'shielded-people']);
  // The public catalogue stays public for them too: the console's cookie is never sent to /data.
  assert.equal((await browser.get('/data/shielded-people')).status, 404);

  const outsider = await createTestAccount(kernel, 'outsider@example.gov.uk');
  const outsiderBrowser = createFormClient(baseUrl);
  await openSigningIn(outsiderBrowser, outsider, '/console');
  const refused = await outsiderBrowser.get('/console/data');
  assert.doesNotMatch(refused.html, new RegExp(SECRET_WORD));
});
