import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createWebSessions } from '../account/web-sessions.ts';
import { createOneTimeCodeStore } from '../codes/one-time-code.store.ts';
import { createOneTimeCodes } from '../codes/one-time-codes.ts';
import { createIdentityModule } from '../identity.module.ts';
import { createJourneys, startJourney } from '../sign-in/journey/journeys.ts';
import { THROTTLE_RULES, createThrottle } from '../security/throttle.ts';
import { createTestAccount } from '../testing/identity-test-kit.ts';
import { HOUSEKEEPING_JOB, ensureHousekeepingScheduled, runHousekeeping } from './housekeeping.job.ts';

const HOUR = 60 * 60 * 1000;

test('housekeeping removes expired codes and sessions and counters that count for nothing, and keeps the rest', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  let now = new Date('2026-03-01T10:00:00.000Z');
  const clock = () => now;
  const codes = createOneTimeCodes({ db: kernel.db, secret: 'a-secret-for-codes', clock });
  const sessions = createWebSessions({ db: kernel.db, clock });
  const throttle = createThrottle({ db: kernel.db, clock });

  await codes.issue('reset-password', 'old@example.com');
  const journeys = createJourneys({ db: kernel.db, secrets: kernel.secrets, clock });
  await journeys.save('old-interaction', startJourney({ name: 'sign-in:email-entered', email: 'old@example.com' }));
  const account = await createTestAccount(kernel, 'old@example.com');
  const oldSession = await sessions.start({ accountId: account.id, level: 'Cl.Cm', authenticatedAt: now });
  await throttle.attempt('email-codes-to:old@example.com', THROTTLE_RULES.codeSending);
  for (let failure = 0; failure < 5; failure += 1) await throttle.attempt('security-code:still-locked', { maxFailures: 5, windowSeconds: 60, lockSeconds: 48 * 60 * 60 });

  now = new Date(now.getTime() + 25 * HOUR);
  await codes.issue('reset-password', 'new@example.com');
  await throttle.attempt('email-codes-to:new@example.com', THROTTLE_RULES.codeSending);
  await journeys.save('new-interaction', startJourney({ name: 'sign-in:email-entered', email: 'new@example.com' }));

  assert.deepEqual(await runHousekeeping({ db: kernel.db, now }), { codes: 1, sessions: 1, journeys: 1, providerRecords: 0, counters: 1 });
  assert.equal((await journeys.load('old-interaction')).state.name, 'started', 'the journey past its hour is gone');
  assert.equal((await journeys.load('new-interaction')).state.name, 'sign-in:email-entered', 'a journey within its hour stays');
  const store = createOneTimeCodeStore(kernel.db);
  assert.equal(await store.findUsable('reset-password', 'old@example.com', '2026-03-01T10:00:00.000Z'), undefined, 'the expired code is gone');
  assert.ok(await store.findUsable('reset-password', 'new@example.com', now.toISOString()), 'a code still in its 15 minutes stays');
  assert.equal(await sessions.find(oldSession), undefined);
  const [old, locked, recent] = await throttle.statusOfEach(['email-codes-to:old@example.com', 'security-code:still-locked', 'email-codes-to:new@example.com']);
  assert.equal(old?.counted, false, 'a counter whose window ended a day ago is gone');
  assert.equal(locked?.locked, true, 'a counter still locked stays');
  assert.equal(recent?.counted, true, 'a counter still counting stays');
});

test('housekeeping runs hourly as one chain of jobs, however many processes start', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  await ensureHousekeepingScheduled(kernel);
  await ensureHousekeepingScheduled(kernel);
  const booked = (await kernel.jobs.list()).filter((job) => job.type === HOUSEKEEPING_JOB);
  assert.equal(booked.length, 1);

  await kernel.createWorker().runUntilIdle();
  const next = (await kernel.jobs.list()).filter((job) => job.type === HOUSEKEEPING_JOB);
  assert.equal(next.length, 1, 'the run booked the next');
  assert.ok(Math.abs(Date.parse(next[0]?.runAt as string) - (Date.now() + HOUR)) < 60_000, 'an hour on');
  await ensureHousekeepingScheduled(kernel);
  assert.equal((await kernel.jobs.list()).filter((job) => job.type === HOUSEKEEPING_JOB).length, 1, 'a process starting later books nothing more');
});
