import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateServiceEvents } from '../../../platform/events/service-event.jobs.ts';
import { createServiceEventStore } from '../../../platform/events/service-event.store.ts';
import { answerUpToBoats, createRunnerTestApp, FORM, Visitor } from './runner.test-kit.ts';

test("a form's journeys count for its service in Insight: started, each page reached once a journey, submitted; an abandoned journey counts as started only", async (t) => {
  const { app, kernel } = await createRunnerTestApp(t);
  const finisher = new Visitor(app);
  await answerUpToBoats(finisher);
  await finisher.answer(`${FORM}/pages/boat-name`, { answer: 'Morwennol' }, `${FORM}/pages/boat-name/add-another`);
  assert.equal((await finisher.post(`${FORM}/pages/boat-name/add-another`, { add_another: 'no' })).headers.location, `${FORM}/pages/experience`);
  await finisher.answer(`${FORM}/pages/experience`, { answer: 'Ten years' }, `${FORM}/pages/licence-photo`);
  await finisher.answer(`${FORM}/pages/licence-photo`, {}, `${FORM}/check-answers`);
  assert.equal((await finisher.post(`${FORM}/check-answers`)).headers.location, `${FORM}/confirmation`);
  assert.equal((await finisher.post(`${FORM}/check-answers`)).statusCode, 303, 'submitting again is not a second submission');

  const leaver = new Visitor(app);
  await leaver.answer(`${FORM}/pages/licence-type`, { answer: 'rod' }, `${FORM}/pages/full-name`);
  await leaver.get(`${FORM}/pages/full-name`);
  await leaver.get(`${FORM}/pages/licence-type`);

  await kernel.serviceEvents.flush();
  await aggregateServiceEvents({ db: kernel.db, store: createServiceEventStore(), now: new Date() });
  const today = new Date().toISOString().slice(0, 10);
  const counts = await kernel.serviceEvents.readAggregates({ from: today, to: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10), granularity: 'day', service: 'console-service:service-a' });
  const countOf = (type: string, step = '') => counts.filter((row) => row.type === type && row.step === step).reduce((sum, row) => sum + row.count, 0);
  assert.equal(countOf('forms.form.started'), 2);
  assert.equal(countOf('forms.form.submitted'), 1);
  assert.equal(countOf('forms.page.reached', 'licence-type'), 2, 'the leaver went back to the first page: reached once');
  assert.equal(countOf('forms.page.reached', 'full-name'), 2);
  assert.equal(countOf('forms.page.reached', 'experience'), 1);
  assert.ok(counts.every((row) => row.service === 'console-service:service-a'));
});
