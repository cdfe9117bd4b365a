import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyPluginAsync } from 'fastify';
import { modules as allModules } from './app.ts';
import { createFormClient, readLatestMessage, startIdentityServer, type FormClient, type FormPage } from './modules/identity/testing/identity-testing.contract.ts';
import { CARD_FORM, createAccountWithKey, createInjectBrowser, createPaymentByApi, openNextUrl, startPayApp } from './modules/pay/testing/pay-test-support.ts';
import type { CivitasModule } from './platform/module.ts';
import { createWelshWalk, findEnglish, englishCatalogueRuns } from './testing/english-in-welsh.ts';

/**
 * Every page a person can reach, in Welsh, shows no English but names (issue 11, item 5): each
 * page's text is compared with every English text of the message files and with the commonest
 * English words. First every page that needs nothing but its address; then the journeys, with
 * their error pages, as the other tests walk them.
 */

/** What the tests' service teams called their services and payments, and the demo service's client (one name, as registered). */
const TEST_NAMES = ['Apply for a fishing licence', 'Annual rod licence', 'Demo service'];

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
  assert.ok(walk.pagesChecked > 30, `${walk.pagesChecked} pages checked`);
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
