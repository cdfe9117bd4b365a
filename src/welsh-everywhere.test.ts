import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyPluginAsync } from 'fastify';
import { modules as allModules } from './app.ts';
import { equipService, openSigningIn, startWithService } from './modules/console/pages/console-pages.test-kit.ts';
import { makeFailedJob, startWithOperator } from './modules/console/pages/operators/operator-pages.test-kit.ts';
import { createRunnerTestApp, FORM, ROD_ANSWERS, Visitor } from './modules/forms/runner/runner.test-kit.ts';
import { guidanceCommands } from './modules/guidance/guidance.cli.ts';
import { openGuidanceLibrary } from './modules/guidance/guidance.contract.ts';
import { createFormClient, createTestAccount, readLatestMessage, startIdentityServer, type FormClient, type FormPage, type TestAccount } from './modules/identity/testing/identity-testing.contract.ts';
import { CARD_FORM, createAccountWithKey, createInjectBrowser, createPaymentByApi, openNextUrl, startPayApp } from './modules/pay/testing/pay-test-support.ts';
import type { CivitasModule } from './platform/module.ts';
import { createTestApp } from './testing/test-kernel.ts';
import { createWelshWalk, findEnglish, englishCatalogueRuns } from './testing/english-in-welsh.ts';

/**
 * Every page a person can reach, in Welsh, shows no English but names (issue 11, item 5): each
 * page's text is compared with every English text of the message files and with the commonest
 * English words. First every page that needs nothing but its address; then the journeys, with
 * their error pages, as the other tests walk them.
 */

/** What the tests' service teams called their organisation, services, payments and keys. */
const TEST_NAMES = ['Department for Fishing', 'Apply for a fishing licence', 'Annual rod licence', 'Existing key'];
/**
 * Names from protocols and code that the console shows as they are: scopes, the first line of a
 * PEM key, and the values Notify's template language takes as "yes" in a conditional placeholder.
 */
const PROTOCOL_NAMES = ['openid email', '(email)', '(phone)', 'BEGIN PUBLIC KEY', '(yes), true neu show'];

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

const pathOf = (page: FormPage) => new URL(page.url).pathname.replace(/\/sign-in\/[^/]+/, '/sign-in/:uid');

/** Addresses that are not pages for people: protocols, APIs, files and the health checks. */
const NOT_PAGES = /^\/(v\d|\.well-known|assets|healthz|readyz|metrics|authorize|token|userinfo|trustmark|jwks|oauth|api)(\/|$)/;

test('the check finds English: the English home page is full of it, the Welsh one has none', async (t) => {
  const { baseUrl } = await startIdentityServer(t);
  const catalogueRuns = englishCatalogueRuns(allModules);
  const english = await createFormClient(baseUrl).get('/?lang=en');
  assert.ok(findEnglish(english.html, { catalogueRuns }).length > 20);
  assert.deepEqual(findEnglish((await createWelshBrowser(baseUrl).get('/')).html, { catalogueRuns }), []);
});

test('every page that needs only its address is all Welsh', async (t) => {
  const paths = new Set<string>();
  const { baseUrl } = await startIdentityServer(t, { modules: [createRouteCollector(paths), ...allModules] });
  const browser = createWelshBrowser(baseUrl);
  const walk = createWelshWalk(allModules, { names: TEST_NAMES });
  for (const path of [...paths, '/development/outbox', '/no-such-page'].sort()) {
    if (path.includes(':') || path.includes('*') || NOT_PAGES.test(path)) continue;
    const page = await browser.get(path);
    walk.check(page.html, `${path} (${page.status}${page.url.endsWith(path) ? '' : ` at ${pathOf(page)}`})`);
  }
  // And the pages that refuse: an address that is not right, a form without its CSRF token.
  for (const path of ['/development/outbox/not-an-id', '/pay/card-details/nope', '/pay/secure/nope', '/sign-in/nope/password', '/files/abc', '/authorize?client_id=nope&response_type=code&scope=openid&redirect_uri=https://x.example/cb']) {
    const page = await browser.get(path);
    walk.check(page.html, `${path} (${page.status})`);
  }
  const problemForm = await browser.get('/report-a-problem');
  walk.check((await browser.submit(problemForm, { whatDoing: 'd'.repeat(1001), whatWentWrong: '', email: 'dewi' })).html, 'report a problem with errors');
  const forged = await browser.post({ url: `${baseUrl}/report-a-problem`, status: 200, html: '' }, { whatWentWrong: 'x' });
  assert.equal(forged.status, 403);
  walk.check(await forged.text(), 'a form without its CSRF token');
  assert.ok(walk.pagesChecked > 35, `${walk.pagesChecked} pages checked`);
  assert.equal(walk.report(), '', 'English on Welsh pages');
});

test('One Login in Welsh: creating an account, its errors, every account page and its errors, the service and signing out', async (t) => {
  const { baseUrl, kernel } = await startIdentityServer(t);
  const browser = createWelshBrowser(baseUrl);
  const walk = createWelshWalk(allModules, { names: TEST_NAMES });
  const see = (page: FormPage, note = '') => {
    walk.check(page.html, `${pathOf(page)}${note}`);
    return page;
  };
  const codeSentTo = async (recipient: string) => /(\d{6})/.exec((await readLatestMessage(kernel, recipient))?.text ?? '')?.[1] ?? '';

  const start = see(await browser.get('/demo-service/sign-in'));
  let page = see(await browser.get(`${start.url}/create/email`));
  see(await browser.submit(page, { email: 'dewi' }), ' with an error');
  page = see(await browser.submit(page, { email: 'dewi@example.com' }));
  see(await browser.submit(page, { code: '12' }), ' with an error');
  page = see(await browser.submit(page, { code: await codeSentTo('dewi@example.com') }));
  see(await browser.submit(page, { password: 'password' }), ' with an error');
  page = see(await browser.submit(page, { password: 'a long memorable passphrase' }));
  see(await browser.submit(page, {}), ' with an error');
  page = see(await browser.submit(page, { method: 'sms' }));
  see(await browser.submit(page, { phone: '01234 567890' }), ' with an error');
  page = see(await browser.submit(page, { phone: '07700 900 982' }));
  see(await browser.submit(page, { code: '1' }), ' with an error');
  page = see(await browser.submit(page, { code: await codeSentTo('+447700900982') }));
  assert.equal(new URL(page.url).pathname, '/demo-service', 'signed in to the service');

  see(await browser.get('/account'));
  for (const path of ['activity', 'security-methods', 'change-password', 'change-phone-number', 'change-email', 'confirm-password', 'add-authenticator-app', 'add-text-message', 'add-passkey', 'report-activity', 'delete', 'new-device-emails', 'sign-out-everywhere']) {
    page = see(await browser.get(`/account/${path}`));
    // Each form sent empty, for its error messages (none of them acts on an empty form).
    if (path !== 'sign-out-everywhere' && /<form method="post"/.test(page.html)) see(await browser.submit(page, {}), ' with an error');
  }
  page = see(await browser.get('/demo-service/sign-out'));
  assert.ok(walk.pagesChecked > 35, `${walk.pagesChecked} pages checked`);
  assert.equal(walk.report(), '', 'English on Welsh pages');
});

test('Pay in Welsh: the card page, its errors, 3-D Secure, confirming, a declined card and cancelling', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const walk = createWelshWalk(allModules, { names: TEST_NAMES });
  const startPayment = async () => {
    const payment = await createPaymentByApi(payApp.app, key, { language: 'cy' });
    const browser = createInjectBrowser(payApp.app);
    const cardPage = await openNextUrl(browser, payment._links.next_url.href);
    return { browser, cardPage };
  };
  const see = async (response: { statusCode: number; body: string; headers: Record<string, unknown> }, label: string) => {
    walk.check(response.body, label);
    return response;
  };

  const paid = await startPayment();
  await see(await paid.browser.get(paid.cardPage), 'card details');
  await see(await paid.browser.post(paid.cardPage, { cardNo: '', cvc: '' }), 'card details, nothing given');
  await see(await paid.browser.post(paid.cardPage, { ...CARD_FORM, cardholderName: 'x'.repeat(600), cardNo: '1234', expiryMonth: '13' }), 'card details, wrong');
  await see(await paid.browser.follow(await paid.browser.post(paid.cardPage, { ...CARD_FORM })), 'confirm');

  const secure = await startPayment();
  await see(await secure.browser.follow(await secure.browser.post(secure.cardPage, { ...CARD_FORM, cardNo: '4000002500003155' })), '3-D Secure');
  await see(await secure.browser.post(`${secure.cardPage}/3ds`, { challengeResponse: 'wrong' }), '3-D Secure, wrong');

  const declined = await startPayment();
  await see(await declined.browser.follow(await declined.browser.post(declined.cardPage, { ...CARD_FORM, cardNo: '4000000000000002' })), 'declined');

  const cancelled = await startPayment();
  await see(await cancelled.browser.follow(await cancelled.browser.post(`${cancelled.cardPage}/cancel`, {})), 'cancelled');
  assert.ok(walk.pagesChecked >= 8, `${walk.pagesChecked} pages checked`);
  assert.equal(walk.report(), '', 'English on Welsh pages');
});

test('One Login in Welsh: signing in to an existing account, its errors, resetting the password, and the messages in the outbox', async (t) => {
  const { baseUrl, kernel } = await startIdentityServer(t);
  const account = await createTestAccount(kernel, 'sian@example.com');
  const walk = createWelshWalk(allModules, { names: TEST_NAMES });
  const see = (page: FormPage, note = '') => {
    walk.check(page.html, `${pathOf(page)}${note}`);
    return page;
  };
  const browser = createWelshBrowser(baseUrl);
  const start = see(await browser.get('/account'));
  let page = see(await browser.get(`${start.url}/email`));
  see(await browser.submit(page, { email: '' }), ' with an error');
  page = see(await browser.submit(page, { email: account.email }));
  see(await browser.submit(page, { password: 'not the password' }), ' with an error');
  for (const step of ['reset-password', 'recover', 'passkey']) see(await browser.get(`${start.url}/${step}`));
  page = see(await browser.submit(await browser.get(`${start.url}/password`), { password: account.password }));
  see(await browser.submit(page, { code: '000000' }), ' with an error');
  see(await browser.get(`${start.url}/recover`));
  page = see(await browser.submit(await browser.get(`${start.url}/security-code`), { code: await account.nextCode() }));
  assert.equal(new URL(page.url).pathname, '/account', 'signed in');

  const forgetful = createWelshBrowser(baseUrl);
  const again = see(await forgetful.get('/account'));
  see(await forgetful.submit(await forgetful.get(`${again.url}/email`), { email: account.email }));
  page = see(await forgetful.get(`${again.url}/reset-password`));
  page = see(await forgetful.submit(page, {}));
  see(await forgetful.submit(page, { code: '12' }), ' with an error');

  const outbox = see(await browser.get('/development/outbox'));
  for (const [, link] of outbox.html.matchAll(/href="(\/development\/outbox\/[0-9a-f-]{36})"/g)) see(await browser.get(link as string));
  assert.ok(walk.pagesChecked > 15, `${walk.pagesChecked} pages checked`);
  assert.equal(walk.report(), '', 'English on Welsh pages');
});

test("the console in Welsh, with Notify's and Pay's team pages: every page a service's page leads to, and each form's errors", async (t) => {
  const { civitas, owner, browser, service, servicePath } = await startWithService(t);
  await equipService(civitas.onboarding, service);
  browser.cookies.set('civitas_lang', 'cy');
  const servicePage = await openSigningIn(browser, owner, servicePath);
  const notifyBase = /href="(\/console\/notify\/[0-9a-f-]{36})"/.exec(servicePage.html)?.[1];
  assert.ok(notifyBase, "the service's page links to its Notify pages");
  // Something in each list: a template of each type, and a payment made by card.
  for (const [type, inWelsh] of [['email', 'e-bost'], ['sms', 'neges destun'], ['letter', 'llythyr']]) {
    const form = await browser.get(`${notifyBase}/templates/new/${type}`);
    await browser.submit(form, { name: `Nodyn atgoffa: ${inWelsh}`, subject: 'Eich trwydded', body: 'Helo ((enw)), mae eich trwydded yn barod.' });
  }
  await payByCardInWelsh(civitas.baseUrl, (await civitas.onboarding.createPayKey({ service, description: 'Allwedd taliadau', actor: { audit: 'operator:cli', label: 'operator:cli' } })).key);

  const walk = createWelshWalk(allModules, { names: [...TEST_NAMES, ...PROTOCOL_NAMES] });
  const seen = await crawlConsole({ browser, account: owner, from: servicePath, walk });
  const visited = [...seen].join('\n');
  for (const reached of ['/templates/', '/transactions/', '/refund', '/webhooks/new', '/members/invite']) assert.ok(visited.includes(reached), `reached ${reached}`);
  assert.ok(walk.pagesChecked > 35, `${walk.pagesChecked} pages checked`);
  assert.equal(walk.report(), '', 'English on Welsh pages');
});

/**
 * Visits every console page `from` leads to, five links deep, each checked by `walk`; forms are
 * sent empty, for their errors, except those that act (or leave the console), whose links are
 * not followed either. Returns the pages visited.
 */
async function crawlConsole(options: { browser: FormClient; account: TestAccount; from: string; walk: ReturnType<typeof createWelshWalk> }): Promise<Set<string>> {
  const { browser, account, walk } = options;
  const ACTS = /lang=|sign-out|revoke|remove|delete|cancel|rotate|retry|verify|#|\/notify\/service$|\/pay\/account$/;
  const seen = new Set<string>();
  let frontier = [options.from];
  for (let depth = 0; depth < 5 && frontier.length > 0; depth += 1) {
    const next = new Set<string>();
    for (const path of frontier) {
      if (seen.has(path)) continue;
      seen.add(path);
      const page = await openSigningIn(browser, account, path);
      walk.check(page.html, `${path} (${page.status})`);
      const action = /<form method="post"(?:[^>]*action="([^"]*)")?/.exec(page.html);
      if (action && !ACTS.test(action[1] ?? path)) walk.check((await browser.submit(page, {})).html, `${path} with an error`);
      for (const [, href] of page.html.matchAll(/href="(\/console[^"]*)"/g)) {
        const link = (href as string).replaceAll('&amp;', '&');
        if (!ACTS.test(link) && !seen.has(link)) next.add(link);
      }
    }
    frontier = [...next];
  }
  return seen;
}

/** A payment created with this Pay key and paid on the payment pages, in Welsh. */
async function payByCardInWelsh(baseUrl: string, key: string): Promise<void> {
  const created = await fetch(`${baseUrl}/v1/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 1450, reference: 'PYSG-0001', description: 'Trwydded bysgota flynyddol', return_url: 'https://pysgota.example.gov.uk/yn-ol', language: 'cy' }),
  });
  assert.equal(created.status, 201);
  const { _links } = (await created.json()) as { _links: { next_url: { href: string } } };
  const payer = createWelshBrowser(baseUrl);
  const cardPage = await payer.get(_links.next_url.href);
  const confirm = await payer.submit(cardPage, { ...CARD_FORM });
  assert.match(confirm.url, /\/confirm$/);
  await payer.submit(confirm, {});
}

test('a form in Welsh: each question, its errors when sent empty, and the answers going on', async (t) => {
  const { app } = await createRunnerTestApp(t);
  const visitor = new Visitor(app);
  visitor.cookies.set('civitas_lang', 'cy');
  const walk = createWelshWalk(allModules);
  walk.check((await visitor.get(`${FORM}/pages/licence-type`)).body, 'first question');
  for (const step of ROD_ANSWERS) {
    const url = `${FORM}/pages/${step.page}`;
    walk.check((await visitor.get(url)).body, step.page);
    // Its errors, shown on the page itself or on the page it redirects to (post/redirect/get).
    const sentEmpty = await visitor.post(url, {});
    const shown = sentEmpty.statusCode === 303 ? await visitor.get(String(sentEmpty.headers.location)) : sentEmpty;
    walk.check(shown.body, `${step.page} sent empty`);
    assert.equal((await visitor.post(url, step.fields)).statusCode, 303, `${step.page} answered`);
  }
  walk.check((await visitor.get(`${FORM}/pages/boat-name`)).body, 'boat-name');
  assert.ok(walk.pagesChecked > 20, `${walk.pagesChecked} pages checked`);
  assert.equal(walk.report(), '', 'English on Welsh pages');
});

test('guidance in Welsh: every page written in Welsh', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const seed = guidanceCommands.find((command) => command.name === 'guidance seed');
  assert.ok(seed);
  await seed.run({ values: {}, positionals: [], json: true, config: () => kernel.config, kernel: () => kernel, print: () => {}, write: () => {}, warn: () => {} });
  const walk = createWelshWalk(allModules);
  const welshPages = (await openGuidanceLibrary(kernel).listPublished()).filter((page) => page.lang === 'cy');
  assert.ok(welshPages.length > 0, 'the examples have pages in Welsh');
  for (const page of welshPages) {
    const url = `${page.type === 'step-by-step' ? '/step-by-step' : '/guidance'}/${page.slug}`;
    const response = await app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie: 'civitas_lang=cy' } });
    assert.equal(response.statusCode, 200, url);
    walk.check(response.body, url);
  }
  assert.equal(walk.report(), '', 'English on Welsh pages');
});

test("the console's operator pages in Welsh: organisations, people, signing keys, the audit trail, jobs and health, with their errors", async (t) => {
  const { civitas, operator, browser } = await startWithOperator(t);
  await makeFailedJob(civitas.kernel, 'notify.deliver', 'the mail server said no');
  browser.cookies.set('civitas_lang', 'cy');
  const walk = createWelshWalk(allModules, { names: [...TEST_NAMES, ...PROTOCOL_NAMES, 'notify.deliver', 'the mail server said no'] });
  const seen = await crawlConsole({ browser, account: operator, from: '/console/operator', walk });
  for (const reached of ['organisations', 'operators/add', 'signing-keys', 'audit', 'jobs', 'retention', 'health']) assert.ok(seen.has(`/console/operator/${reached}`), `reached ${reached}`);
  assert.equal(walk.report(), '', 'English on Welsh pages');
});
