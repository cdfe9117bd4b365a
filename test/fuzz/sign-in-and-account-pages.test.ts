import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { generate } from 'otplib';
import { signInToAccountPages } from '../../src/modules/identity/account/account-pages.test-kit.ts';
import { authorizeUrl } from '../../src/modules/identity/provider/relying-party.test-kit.ts';
import { createTestAccount, registerTestClient } from '../../src/modules/identity/testing/identity-test-kit.ts';
import { checkPageAnswer, createTally, describeRequest, extraHeaders, FUZZ_SEED, pathSegment, printTally, queryString, runsOf, send, type FuzzRequest } from './fuzz-kit.ts';
import { createCookieJar, encodeForm, ENCODINGS, formFields, hiddenFields, startListeningFuzzApp } from './page-forms.ts';

test("One Login's sign-in and account pages: no form, however filled in, answers 500", async (t) => {
  const { app, kernel, routes, baseUrl, host } = await startListeningFuzzApp(t);
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);
  // The walk signs in with an account of its own: its codes and lockouts do not touch the other's.
  const walker = await createTestAccount(kernel, 'walker@example.com');
  const tally = createTally();
  t.after(() => printTally('sign-in and account pages', tally));
  let address = 0;
  const nextAddress = () => `203.0.113.${(address++ % 250) + 1}`;

  /** Follows redirects within the site, keeping cookies, as a browser would. */
  async function browse(jar: ReturnType<typeof createCookieJar>, url: string): Promise<{ url: string; response: LightMyRequestResponse }> {
    let current = url;
    for (let hops = 0; hops < 15; hops += 1) {
      const response = await app.inject({ method: 'GET', url: current, headers: { host, accept: 'text/html', cookie: jar.header() }, remoteAddress: nextAddress() });
      jar.keep(response);
      const location = response.headers.location;
      if (response.statusCode < 300 || response.statusCode >= 400 || typeof location !== 'string') return { url: current, response };
      const next = new URL(location, `${baseUrl}${current}`);
      if (next.origin !== baseUrl) return { url: next.toString(), response };
      current = `${next.pathname}${next.search}`;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  const codeNow = () => generate({ secret: walker.totpSecret, epoch: Math.floor(Date.now() / 1000) });
  async function latestTextedOrEmailedCode(): Promise<string> {
    await kernel.createWorker().runUntilIdle();
    const messages = (await kernel.developmentOutbox?.listRecent(5)) ?? [];
    return /(\d{6})/.exec(messages[0]?.text ?? '')?.[1] ?? '000000';
  }

  // ---- The sign-in journey: a random walk. Each run posts random fields (valid ones often) to
  // the page the journey is on, or to any sign-in page, and follows where it leads.
  const signInRoutes = routes.filter((route) => route.method === 'POST' && route.url.startsWith('/sign-in/:uid')).map((route) => route.url.slice('/sign-in/:uid'.length));
  assert.ok(signInRoutes.length >= 15, `sign-in forms found: ${signInRoutes.join(' ')}`);
  const journey = { jar: createCookieJar(), uid: '', path: '', hidden: {} as Record<string, string> };
  let newEmails = 0;
  async function startJourney() {
    journey.jar.clear();
    const { url } = await browse(journey.jar, authorizeUrl(baseUrl, rp).slice(baseUrl.length));
    const match = /^\/sign-in\/([^/?]+)/.exec(url);
    assert.ok(match, `a journey starts at a sign-in page: ${url}`);
    journey.uid = match[1] as string;
    await lookAtJourney(`/sign-in/${journey.uid}/email`);
  }
  async function lookAtJourney(url: string) {
    const { url: landed, response } = await browse(journey.jar, url);
    journey.path = landed.startsWith('/sign-in/') ? landed.split('?')[0] as string : `/sign-in/${journey.uid}`;
    journey.hidden = hiddenFields(response.body);
  }

  const signInStep = fc.record({
    fresh: fc.integer({ min: 0, max: 9 }).map((roll) => roll === 0),
    // Mostly the page the journey is on; now and then the start of a new account, or any form.
    target: fc.oneof(
      { weight: 6, arbitrary: fc.constant('current') },
      { weight: 1, arbitrary: fc.constant('/create/email') },
      { weight: 2, arbitrary: fc.constantFrom(...signInRoutes) },
    ),
    uid: fc.oneof({ weight: 9, arbitrary: fc.constant('real') }, { weight: 1, arbitrary: pathSegment() }),
    csrf: fc.oneof({ weight: 9, arbitrary: fc.constant('real') }, { weight: 1, arbitrary: fc.constantFrom('none', 'wrong') }),
    // Half the steps fill in every field a journey asks for with values that move it on (the
    // account's email and password, a new address, a current code), so the walk goes deep; the
    // others fill in anything, in any encoding.
    fields: fc.oneof(
      fc
        .record({
          email: fc.constantFrom(walker.email, 'NEW'),
          password: fc.constantFrom(walker.password, 'a new long password 1234'),
          code: fc.constantFrom('TOTP', 'MESSAGE'),
          phone: fc.constantFrom('07700 900123', '+447700900456'),
          method: fc.constantFrom('auth-app', 'sms'),
          started: fc.constantFrom('yes', 'create', 'sign-in'),
        })
        .map((record) => Object.entries(record)),
      formFields({
        email: fc.oneof(fc.constant(walker.email), fc.constant('NEW'), fc.emailAddress(), fc.constant('not an email')),
        password: fc.oneof(fc.constant(walker.password), fc.constant('a new long password 1234'), fc.string({ maxLength: 20 })),
        code: fc.oneof(fc.constant('TOTP'), fc.constant('MESSAGE'), fc.stringMatching(/^\d{6}$/), fc.string({ maxLength: 8 })),
        phone: fc.constantFrom('07700 900123', '+447700900456', '123', '+999999999999999999'),
        method: fc.constantFrom('auth-app', 'sms', 'passkey', 'email', ''),
        started: fc.constantFrom('yes', 'no', 'create', 'sign-in', ''),
        response: fc.constantFrom('{}', '{"id":"x","rawId":"x","type":"public-key","response":{}}', 'null', '[]', '"x"', '{'),
      }),
    ),
    encoding: fc.oneof({ weight: 3, arbitrary: fc.constant('form' as const) }, { weight: 1, arbitrary: fc.constantFrom(...ENCODINGS) }),
    extra: fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraHeaders() }),
  });

  await t.test('sign-in forms, walking the journey', async () => {
    await startJourney();
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(signInStep, async (step) => {
        if (step.fresh || !journey.uid) await startJourney();
        const uid = step.uid === 'real' ? journey.uid : step.uid;
        const path = step.target === 'current' ? journey.path.replace(journey.uid, uid) : `/sign-in/${uid}${step.target}`;
        const pairs: Array<[string, string]> = [];
        for (const [name, value] of Object.entries(journey.hidden)) {
          if (name === '_csrf' && step.csrf !== 'real') {
            if (step.csrf === 'wrong') pairs.push([name, `${value}x`]);
          } else pairs.push([name, value]);
        }
        for (const [name, value] of step.fields) {
          if (value === 'NEW') pairs.push([name, `new-person-${(newEmails += 1)}@example.com`]);
          else if (value === 'TOTP') pairs.push([name, await codeNow()]);
          else if (value === 'MESSAGE') pairs.push([name, await latestTextedOrEmailedCode()]);
          else pairs.push([name, value]);
        }
        const { payload, contentType } = encodeForm(pairs, step.encoding);
        const request: FuzzRequest = {
          method: 'POST',
          url: path,
          how: `sign-in form (${step.encoding})`,
          headers: { ...step.extra, host, accept: 'text/html', cookie: journey.jar.header(), ...(contentType ? { 'content-type': contentType } : {}) },
          ...(payload === undefined ? {} : { payload }),
        };
        const route = `POST /sign-in/:uid${path.slice(`/sign-in/${uid}`.length) || ''}`;
        const response = await send(app, tally, signInRoutes.some((known) => route.endsWith(known)) ? route : 'POST /sign-in/:uid/*', request, nextAddress());
        journey.jar.keep(response);
        seen.add(journey.path.slice(`/sign-in/${journey.uid}`.length));
        checkPageAnswer(response, request);
        const location = response.headers.location;
        await lookAtJourney(typeof location === 'string' && location.startsWith('/sign-in/') ? location : journey.path);
      }),
      { numRuns: runsOf(250), seed: FUZZ_SEED },
    );
    console.log(`sign-in pages the walk was on: ${[...seen].sort().join(' ')}`);
  });

  // ---- The account pages, signed in: every form, with its CSRF token, random fields.
  const accountBrowser = await signInToAccountPages(baseUrl, account);
  const accountJar = createCookieJar();
  for (const [name, value] of accountBrowser.cookies) accountJar.cookies.set(name, value);
  const accountPosts = routes.filter((route) => route.method === 'POST' && route.url.startsWith('/account/')).map((route) => route.url);
  // The forms that end the session last, so that the others are tried signed in.
  const endsSession = ['/account/sign-out-everywhere', '/account/delete'];
  accountPosts.sort((a, b) => Number(endsSession.includes(a)) - Number(endsSession.includes(b)));
  for (const url of accountPosts) {
    await t.test(`account form POST ${url}`, async () => {
      const formPage = url.includes(':id') ? '/account/security-methods' : url.replace(/\/check$/, '');
      const { response: page } = await browse(accountJar, formPage);
      const hidden = { ...hiddenFields((await browse(accountJar, '/account')).response.body), ...hiddenFields(page.body) };
      const requests = fc
        .record({
          id: pathSegment(),
          fields: formFields({
            'current-password': fc.oneof({ weight: 1, arbitrary: fc.constant(account.password) }, { weight: 3, arbitrary: fc.string({ maxLength: 20 }) }),
            'new-password': fc.string({ maxLength: 30 }),
            password: fc.string({ maxLength: 20 }),
            email: fc.oneof(fc.emailAddress(), fc.constant(account.email), fc.string({ maxLength: 20 })),
            code: fc.oneof(fc.stringMatching(/^\d{6}$/), fc.string({ maxLength: 8 })),
            phone: fc.constantFrom('07700 900123', '+447700900456', '123', ''),
            details: fc.string({ maxLength: 200 }),
            response: fc.constantFrom('{}', 'null', '{'),
          }),
          csrf: fc.oneof({ weight: 9, arbitrary: fc.constant('real') }, { weight: 1, arbitrary: fc.constantFrom('none', 'wrong') }),
          encoding: fc.constantFrom(...ENCODINGS),
          query: queryString(fc.record({ next: fc.constantFrom('/account', '/account/delete', 'https://attacker.example/', '//attacker.example', '/\\attacker.example', '') }, { requiredKeys: [] })),
          extra: extraHeaders(),
        })
        .map(({ id, fields, csrf, encoding, query, extra }): FuzzRequest => {
          const pairs: Array<[string, string]> = [];
          for (const [name, value] of Object.entries(hidden)) {
            if (name === '_csrf' && csrf !== 'real') {
              if (csrf === 'wrong') pairs.push([name, `${value}x`]);
            } else pairs.push([name, value]);
          }
          const { payload, contentType } = encodeForm([...pairs, ...fields], encoding);
          return {
            method: 'POST',
            url: `${url.replace(':id', id)}${query}`,
            how: `account form (${encoding})`,
            headers: { ...extra, host, accept: 'text/html', cookie: accountJar.header(), ...(contentType ? { 'content-type': contentType } : {}) },
            ...(payload === undefined ? {} : { payload }),
          };
        });
      await fc.assert(
        fc.asyncProperty(requests, async (request) => {
          Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
          const response = await send(app, tally, `POST ${url}`, request, nextAddress());
          checkPageAnswer(response, request);
        }),
        { numRuns: runsOf(endsSession.includes(url) ? 50 : 80), seed: FUZZ_SEED },
      );
    });
  }
});
