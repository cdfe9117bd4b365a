import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signInToAccountPages } from '../../src/modules/identity/account/account-pages.test-kit.ts';
import { createAccountService } from '../../src/modules/identity/accounts/account.service.ts';
import { createProviderRuntime } from '../../src/modules/identity/provider/provider-runtime.ts';
import { errorSummary, pageHeading } from '../../src/modules/identity/testing/form-client.ts';
import { createTestAccount, startIdentityServer } from '../../src/modules/identity/testing/identity-test-kit.ts';
import { linkConsumer, RETURN_URL } from '../../src/modules/exchange/testing/consent-fixtures.ts';
import { setUpProviderAndClient } from '../../src/modules/exchange/testing/exchange-fixtures.ts';
import { sendSignedCall, startTestProvider } from '../../src/modules/exchange/testing/signed-calls.ts';

test("a consumer sends a person to the consent page; they agree; the consumer's call works; they see it in their account and withdraw; the next call is refused", async (t) => {
  const provider = await startTestProvider((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'awarded', rate: 'enhanced', name: 'Ann Example' }));
  });
  t.after(() => provider.server.close());
  const { app, kernel, baseUrl } = await startIdentityServer(t, { environment: { OUTBOUND_ALLOW_PRIVATE_NETWORK: 'true' } });
  const setUp = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, underConsent: true });
  const oneLoginClientId = await linkConsumer(kernel, { subsystem: setUp.client, organisationId: setUp.clientMember.organisation_id });
  const account = await createTestAccount(kernel, 'ann@example.com');
  const runtime = createProviderRuntime({ db: kernel.db, config: kernel.config, accounts: createAccountService({ db: kernel.db, secrets: kernel.secrets }) });
  const found = await createAccountService({ db: kernel.db, secrets: kernel.secrets }).findByEmail('ann@example.com');
  const [known] = await runtime.subjectsFor(String(found?.id), [oneLoginClientId]);
  const userId = `GB${known?.subject}`;
  // Each call's X-Road-Id is the one Civitas made for it, as its answer says.
  const call = (_what: string) => sendSignedCall(app, { path: `/r1/${setUp.service}/awards/AB123456C`, client: setUp.client, key: setUp.clientKeys[0]!, headers: { 'x-road-userid': userId, 'x-road-issue': 'BB-42' } });

  const browser = await signInToAccountPages(baseUrl, account);
  const link = `/account/consent?client=${encodeURIComponent(setUp.client)}&agreement=${setUp.agreementId}&record=AB123456C&state=xyz&return_url=${encodeURIComponent(RETURN_URL)}`;
  const forged = await browser.get(link.replace(encodeURIComponent(RETURN_URL), encodeURIComponent('https://evil.example/')));
  assert.equal(pageHeading(forged), 'This link to share your information does not work', 'a forged return URL is an error page, never a redirect');

  const consentPage = await browser.get(link);
  assert.equal(pageHeading(consentPage), 'Share your information with Riverside Council');
  assert.match(consentPage.html, /Award status, Rate of award/, 'the fields by the names the provider\'s description gives them');
  assert.doesNotMatch(consentPage.html, /\$\.|status, rate/, 'never as JSON paths');
  assert.match(consentPage.html, /Blue Badge eligibility/);
  assert.match(consentPage.html, /Your record\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*AB123456C/, 'the record the consent is for');
  const withoutRecord = await browser.get(link.replace('&record=AB123456C', ''));
  assert.equal(pageHeading(withoutRecord), 'This link to share your information does not work', 'a consumer must name the record it asks about');
  assert.match(errorSummary(await browser.submit(consentPage, {})).join(' '), /Select whether you agree/);
  const answered = await browser.submit(consentPage, { answer: 'yes' });
  const answer = new URL(answered.url);
  assert.equal(`${answer.origin}${answer.pathname}`, RETURN_URL);
  assert.equal(answer.searchParams.get('state'), 'xyz');
  assert.equal(answer.searchParams.get('result'), 'agreed');
  const replayed = await browser.submit(consentPage, { answer: 'no' });
  assert.equal(pageHeading(replayed), 'You have already answered this request');

  const afterConsent = await call('after-consent');
  assert.equal(afterConsent.statusCode, 200);

  const someoneElse = await signInToAccountPages(baseUrl, await createTestAccount(kernel, 'bob@example.com'));
  const stranger = await someoneElse.get(new URL(consentPage.url).pathname);
  assert.equal(pageHeading(stranger), 'This request to share your information is for someone else');

  let sharing = await browser.get('/account/data-sharing');
  assert.equal(pageHeading(sharing), 'Who has seen my data');
  assert.match(sharing.html, /Riverside Council asked Benefits Agency/);
  assert.match(sharing.html, /BB-42/);
  assert.ok(sharing.html.includes(String(afterConsent.headers['x-road-id'])), 'the X-Road-Id the call was answered with');
  assert.match(sharing.html, /Award status, Rate of award/);
  assert.match(sharing.html, /Your record\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*AB123456C/);
  assert.doesNotMatch(sharing.html, /\$\./);
  sharing = await browser.submit(sharing, {}, `/account/data-sharing/consents/${answer.searchParams.get('consent_id')}/withdraw`);
  assert.match(sharing.html, /You have withdrawn your consent/);
  const refused = await call('after-withdrawal');
  assert.equal(refused.headers['x-road-error'], 'Server.ServerProxy.AccessDenied');

  const welsh = await browser.get('/account/data-sharing?lang=cy');
  assert.match(welsh.html, /Pwy sydd wedi gweld fy nata/);
  assert.match(welsh.html, /Gofynnodd Riverside Council i Benefits Agency/);
  assert.match(welsh.html, /Statws y dyfarniad, Cyfradd y dyfarniad/);
  assert.match(welsh.html, /Eich cofnod/);
});
