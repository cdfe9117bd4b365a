import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readLatestMessage, startIdentityServer } from '../testing/identity-test-kit.ts';
import { createIdentityMessages, type Notice } from './identity-messages.ts';

const NOTICES: Notice[] = ['accountCreated', 'passwordChanged', 'authAppReplaced', 'emailChanged', 'emailChangedToThis', 'securityMethodAdded', 'securityMethodRemoved', 'phoneNumberChanged', 'accountDeleted', 'newDeviceSignIn'];

test('every security email is sent through Notify in English and in Welsh, each with words of its own', async (t) => {
  const { kernel } = await startIdentityServer(t);
  const messages = createIdentityMessages(kernel);
  const seen = new Map<string, string>();
  for (const locale of ['en', 'cy'] as const) {
    for (const notice of NOTICES) {
      const to = `${notice.toLowerCase()}.${locale}@example.com`;
      await messages.sendSecurityNotice({ to, locale, notice });
      const sent = await readLatestMessage(kernel, to);
      assert.ok(sent?.subject && sent.text.length > 40, `${notice} in ${locale} was sent`);
      assert.ok(!seen.has(sent.subject), `${notice} in ${locale} has a subject of its own`);
      seen.set(sent.subject, `${notice}.${locale}`);
      if (locale === 'cy') assert.doesNotMatch(sent.text, /\b(the|your|was|this)\b/i, `${notice} in Welsh has no English left`);
    }
  }
});
