import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../../testing/test-kernel.ts';
import { createIdentityModule } from '../../identity.module.ts';
import { advance, JourneyTransitionError, type Journey } from './journey.ts';
import { createJourneys, startJourney } from './journeys.ts';

test('a passkey challenge is taken out of the journey once, even by requests at the same moment', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const journeys = createJourneys({ db: kernel.db, secrets: kernel.secrets });
  const journey: Journey = startJourney({ name: 'sign-in:password-proved', email: 'a@example.com', accountId: 'a', passwordProvedBy: 'password', passkeyChallenge: 'challenge-1' });
  await journeys.save('interaction-1', journey);

  const answers = await Promise.all([1, 2, 3, 4].map(() => journeys.consumePasskeyChallenge('interaction-1', 'challenge-1')));
  assert.equal(answers.filter(Boolean).length, 1, 'exactly one request takes the challenge');
  assert.equal(await journeys.consumePasskeyChallenge('interaction-1', 'challenge-1'), false, 'and it cannot be answered again');
  assert.equal(await journeys.consumePasskeyChallenge('interaction-1', 'another challenge'), false, 'nor another one it never sent');
  const after = await journeys.load('interaction-1');
  assert.equal(after.id, journey.id, 'the journey is otherwise the same');
});

test('the machine refuses transitions it does not list, and a change of identity inside a journey', () => {
  const signedIn = startJourney({ name: 'sign-in:password-proved', email: 'a@example.com', accountId: 'a', passwordProvedBy: 'password' });
  assert.throws(() => advance(signedIn, { name: 'reset:email-proved', email: 'a@example.com', accountId: 'a' }), JourneyTransitionError);
  assert.throws(() => advance(signedIn, { name: 'recover:code-sent', email: 'b@example.com', accountId: 'a' }), /one email address/);
  assert.throws(() => advance(signedIn, { name: 'recover:code-sent', email: 'a@example.com', accountId: 'b' }), /one account/);
  assert.equal(advance(signedIn, { name: 'recover:code-sent', email: 'a@example.com', accountId: 'a' }).id, signedIn.id);
});
