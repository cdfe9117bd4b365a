import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { createAccountService } from '../accounts/account.service.ts';
import { errorSummary, pageHeading, type FormPage } from '../testing/form-client.ts';
import { createTestAccount, startIdentityServer } from '../testing/identity-test-kit.ts';
import { signInToAccountPages } from './account-pages.test-kit.ts';

/**
 * A passkey made in software, as an authenticator would make it (attestation "none"), so a test
 * can answer the page's challenge over plain HTTP, and answer it however an attacker would.
 */
function createPasskey(input: { challenge: string; origin: string }): string {
  const rpId = new URL(input.origin).hostname;
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  const credentialId = randomBytes(16);
  const coseKey = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, new Uint8Array(Buffer.from(x as string, 'base64url'))], [-3, new Uint8Array(Buffer.from(y as string, 'base64url'))]]));
  const credentialIdLength = Buffer.alloc(2);
  credentialIdLength.writeUInt16BE(credentialId.length);
  // rpIdHash, flags (user present, user verified, credential data included), counter, AAGUID, credential.
  const authenticatorData = Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([0x45]), Buffer.alloc(4), Buffer.alloc(16), credentialIdLength, credentialId, coseKey]);
  const attestationObject = isoCBOR.encode(new Map<string, string | Map<string, never> | Uint8Array>([['fmt', 'none'], ['attStmt', new Map<string, never>()], ['authData', new Uint8Array(authenticatorData)]]));
  const clientData = { type: 'webauthn.create', challenge: input.challenge, origin: input.origin, crossOrigin: false };
  return JSON.stringify({
    id: credentialId.toString('base64url'),
    rawId: credentialId.toString('base64url'),
    type: 'public-key',
    response: {
      clientDataJSON: Buffer.from(JSON.stringify(clientData)).toString('base64url'),
      attestationObject: Buffer.from(attestationObject).toString('base64url'),
      transports: ['internal'],
    },
    clientExtensionResults: {},
    authenticatorAttachment: 'platform',
  });
}

const challengeOn = (page: FormPage) =>
  (JSON.parse(/<script type="application\/json" id="passkey-options">([^<]*)<\/script>/.exec(page.html)?.[1] ?? '{}') as { challenge: string }).challenge;

test('one challenge makes one passkey: a second answer to it, or the same answer again, adds nothing', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { hostName: 'localhost' });
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  const account = await createTestAccount(kernel);
  const browser = await signInToAccountPages(baseUrl, account);

  const page = await browser.get('/account/add-passkey');
  const challenge = challengeOn(page);
  const first = createPasskey({ challenge, origin: baseUrl });
  const second = createPasskey({ challenge, origin: baseUrl });
  // The attacker keeps the browser's cookies as they were when the challenge was given, and sends them with each answer.
  const cookiesWithTheChallenge = new Map(browser.cookies);
  assert.equal(pageHeading(await browser.submit(page, { response: first })), 'You have added a passkey');

  for (const response of [second, first]) {
    for (const [name, value] of cookiesWithTheChallenge) browser.cookies.set(name, value);
    const after = await browser.submit(page, { response });
    assert.equal(new URL(after.url).pathname, '/account/add-passkey', 'asked to start again, with a new challenge');
    assert.notEqual(challengeOn(after), challenge);
  }
  const passkeys = (await accounts.listMethods(account.id)).filter((method) => method.kind === 'passkey');
  assert.deepEqual(passkeys.map((passkey) => passkey.credential_id), [JSON.parse(first).id]);
});

test('a passkey made for one person\'s challenge is refused on another\'s account', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t, { hostName: 'localhost' });
  const accounts = createAccountService({ db: kernel.db, secrets: kernel.secrets });
  const alice = await createTestAccount(kernel, 'alice@example.com');
  const bob = await createTestAccount(kernel, 'bob@example.com');
  const alicesBrowser = await signInToAccountPages(baseUrl, alice);
  const bobsBrowser = await signInToAccountPages(baseUrl, bob);

  const bobsPage = await bobsBrowser.get('/account/add-passkey');
  const alicesPage = await alicesBrowser.get('/account/add-passkey');
  // Alice's authenticator answers her challenge; the answer is sent from Bob's session.
  const alicesPasskey = createPasskey({ challenge: challengeOn(alicesPage), origin: baseUrl });
  // Whatever Alice's browser holds about her challenge goes with it (all but her session and CSRF cookies).
  for (const [name, value] of alicesBrowser.cookies) if (!['civitas_account', 'civitas_csrf'].includes(name)) bobsBrowser.cookies.set(name, value);
  const refused = await bobsBrowser.submit(bobsPage, { response: alicesPasskey });
  assert.deepEqual(errorSummary(refused), ['Your passkey was not created. Try again, or choose another way to get security codes']);
  assert.deepEqual((await accounts.listMethods(bob.id)).map((method) => method.kind), ['auth-app'], 'nothing added to Bob\'s account');

  // The answer was good: on Alice's own session it makes her passkey.
  assert.equal(pageHeading(await alicesBrowser.submit(alicesPage, { response: alicesPasskey })), 'You have added a passkey');
  assert.deepEqual((await accounts.listMethods(alice.id)).map((method) => method.kind), ['auth-app', 'passkey']);
  const added = await kernel.audit.listRecent({ subject: `account:${alice.id}`, limit: 1 });
  assert.deepEqual([added[0]?.action, added[0]?.details], ['identity.security-method.added', { method: 'passkey' }]);
});
