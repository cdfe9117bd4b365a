import type { TestContext } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import type { Kernel } from '../../../platform/kernel.ts';
import { modules as appModules } from '../../../app.ts';
import { createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';
import { createTestApp, type TestEnvironment } from '../../../testing/test-kernel.ts';
import type { CivitasModule } from '../../../platform/module.ts';
import { createPayModule, type PayModuleOptions } from '../pay.module.ts';
import { payServicesOf, type PayServices } from '../pay-services.ts';

/** A clock tests move by hand, so nothing depends on how long a test takes. */
export function createTestClock(start = new Date('2025-03-14T10:00:00.000Z')) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    set(date: Date) {
      now = date.getTime();
    },
  };
}

export type TestClock = ReturnType<typeof createTestClock>;

export type PayTestApp = {
  app: FastifyInstance;
  kernel: Kernel;
  services: PayServices;
  module: CivitasModule;
  clock: TestClock;
  /** Runs every due Pay job (webhooks, captures, refunds, emails, the sweeper) until none is due. */
  runJobs(): Promise<void>;
};

/**
 * The app with only the Pay module (or, `withConsole`, every module: the team pages need the
 * console's sign-in), on a database of its own, with a hand-moved clock for Pay.
 */
export async function startPayApp(
  t: TestContext,
  options: { environment?: TestEnvironment; clock?: TestClock; logger?: Logger; withConsole?: boolean } & Omit<PayModuleOptions, 'clock'> = {},
): Promise<PayTestApp> {
  const clock = options.clock ?? createTestClock();
  const module = createPayModule({ clock: clock.now, providers: options.providers });
  const modules = options.withConsole ? appModules.map((each) => (each.name === 'pay' ? module : each)) : [module];
  const { app, kernel } = await createTestApp(t, { modules, environment: options.environment, logger: options.logger });
  const services = payServicesOf(kernel, { clock: clock.now, providers: options.providers });
  const handlers = module.createJobHandlers?.(kernel) ?? {};
  return {
    app,
    kernel,
    services,
    module,
    clock,
    runJobs: () => kernel.createWorker({ handlers }).runUntilIdle(),
  };
}

export async function createAccountWithKey(
  services: PayServices,
  options: { type?: 'test' | 'live'; name?: string; rateLimitPost?: number; rateLimitOther?: number } = {},
): Promise<{ accountId: string; key: string; keyId: string }> {
  const account = await services.accounts.createAccount({
    name: options.name ?? 'Apply for a fishing licence',
    rateLimitPost: options.rateLimitPost ?? 1000,
    rateLimitOther: options.rateLimitOther ?? 1000,
    actor: 'operator:test',
  });
  const { key, summary } = await services.accounts.createKey({
    accountId: account.id,
    type: options.type ?? 'test',
    actor: 'operator:test',
  });
  return { accountId: account.id, key, keyId: summary.id };
}

export const PAYMENT_REQUEST = {
  amount: 1450,
  reference: 'FISH-2025-0001',
  description: 'Annual rod licence',
  return_url: 'https://fishing.example.gov.uk/return/0001',
} as const;

export async function callApi(
  app: FastifyInstance,
  request: { method: 'GET' | 'POST'; url: string; key: string; body?: unknown; headers?: Record<string, string> },
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: request.method,
    url: request.url,
    headers: {
      authorization: `Bearer ${request.key}`,
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...request.headers,
    },
    ...(request.body === undefined ? {} : { payload: typeof request.body === 'string' ? request.body : JSON.stringify(request.body) }),
  });
}

export async function createPaymentByApi(
  app: FastifyInstance,
  key: string,
  body: Record<string, unknown> = {},
): Promise<{ payment_id: string; _links: { next_url: { href: string }; next_url_post: { href: string; params: { chargeTokenId: string } } } } & Record<string, unknown>> {
  const response = await callApi(app, { method: 'POST', url: '/v1/payments', key, body: { ...PAYMENT_REQUEST, ...body } });
  if (response.statusCode !== 201) throw new Error(`creating a payment answered ${response.statusCode}: ${response.body}`);
  return response.json();
}

/**
 * A browser made of `app.inject()`: it keeps cookies and reads the CSRF token from the last
 * page, enough to walk the payment pages without Chromium.
 */
export function createInjectBrowser(app: FastifyInstance) {
  const cookies = new Map<string, string>();
  let lastCsrfToken: string | undefined;

  function keepCookies(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies) {
      if (cookie.value === '' || (cookie.maxAge !== undefined && cookie.maxAge <= 0)) cookies.delete(cookie.name);
      else cookies.set(cookie.name, cookie.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) lastCsrfToken = token;
  }

  const cookieHeader = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');

  return {
    cookies,
    async get(url: string): Promise<LightMyRequestResponse> {
      const response = await app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie: cookieHeader() } });
      keepCookies(response);
      return response;
    },
    async post(url: string, form: Record<string, string>, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
      const fields = options.csrf === false ? form : { _csrf: lastCsrfToken ?? '', ...form };
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { accept: 'text/html', cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      });
      keepCookies(response);
      return response;
    },
    /** Follows a 303 to a page of this app (post/redirect/get), as a browser would; anything else is returned as it is. */
    async follow(response: LightMyRequestResponse): Promise<LightMyRequestResponse> {
      const location = response.headers.location;
      if (response.statusCode !== 303 || typeof location !== 'string' || !location.startsWith('/')) return response;
      return this.get(location);
    },
  };
}

export type InjectBrowser = ReturnType<typeof createInjectBrowser>;

export const CARD_FORM = {
  cardNo: '4242 4242 4242 4242',
  expiryMonth: '12',
  expiryYear: '2030',
  cardholderName: 'Rhys Jones',
  cvc: '987',
  addressLine1: '1 Heol y Pysgod',
  addressLine2: '',
  addressCity: 'Caerdydd',
  addressPostcode: 'CF10 1AA',
  addressCountry: 'GB',
  email: 'angler@example.com',
} as const;

/** Opens a payment's next_url in `browser` and returns the card details page's path. */
export async function openNextUrl(browser: InjectBrowser, nextUrl: string): Promise<string> {
  const opened = await browser.get(new URL(nextUrl).pathname);
  if (opened.statusCode !== 303) throw new Error(`next_url answered ${opened.statusCode}`);
  const location = opened.headers.location as string;
  await browser.get(location);
  return new URL(location, 'http://localhost').pathname;
}

/** Creates a payment by API and pays it on the payment pages with a card; returns the payment's id. */
export async function payByCard(
  payApp: PayTestApp,
  key: string,
  options: { body?: Record<string, unknown>; card?: Partial<Record<keyof typeof CARD_FORM, string>> } = {},
): Promise<string> {
  const payment = await createPaymentByApi(payApp.app, key, options.body);
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, payment._links.next_url.href);
  const submitted = await browser.post(cardPage, { ...CARD_FORM, ...options.card });
  if (submitted.headers.location !== `${cardPage}/confirm`) throw new Error(`the card was not authorised: ${submitted.statusCode}`);
  await browser.get(`${cardPage}/confirm`);
  await browser.post(`${cardPage}/confirm`, {});
  return payment.payment_id;
}

/**
 * A browser signed in to the console as a member (a developer unless said) of an organisation
 * whose service owns this Pay account (the app needs `withConsole`); `base` is the account's
 * team pages in the mode given (test unless said).
 */
export async function signInToTeamPages(
  payApp: PayTestApp,
  accountId: string,
  options: { role?: 'owner' | 'developer' | 'viewer'; mode?: 'test' | 'live' } = {},
) {
  const team = await createConsoleTeam(payApp.app, { payAccountId: accountId });
  const member = await signInConsoleMember(payApp.app, { organisationId: team.organisationId, role: options.role ?? 'developer' });
  const browser = createInjectBrowser(payApp.app);
  browser.cookies.set('civitas_lang', 'en');
  browser.cookies.set(member.cookieName, member.cookieValue);
  return { browser, team, member, base: `/console/pay/${accountId}/${options.mode ?? 'test'}` };
}
