import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseFormDefinition } from '../definition/parse-definition.ts';
import type { Answers } from './answers.ts';
import { describeJourney, hasReached, keepAnswersOnRoute } from './journey.ts';
import { readExampleForm } from './runner.test-kit.ts';

const definition = parseFormDefinition(readExampleForm()).definition!;
const pageIds = definition.pages.map((page) => page.id);

/** Any answers a session could hold: some pages answered (finished or not), the routing question with any of its answers. */
const anyAnswers = fc
  .record({
    licence: fc.option(fc.constantFrom('rod', 'net', 'none'), { nil: undefined }),
    others: fc.subarray(pageIds.slice(1)),
    unfinished: fc.subarray(pageIds.slice(1)),
  })
  .map(({ licence, others, unfinished }) => {
    const answers: Answers = {};
    if (licence) answers['licence-type'] = { values: [licence], complete: true };
    for (const pageId of others) answers[pageId] = { values: ['x'], complete: !unfinished.includes(pageId) };
    return answers;
  });

test('the journey as a state machine: the person is at the first unfinished step on the route, can go back to any step before it and to none after', () => {
  fc.assert(
    fc.property(anyAnswers, (answers) => {
      const journey = describeJourney(definition, answers);
      assert.ok(hasReached(journey, journey.current, answers), 'where the person is, is reached');
      const at = journey.current.state === 'question' || journey.current.state === 'add-another' ? journey.route.findIndex((page) => page.id === (journey.current as { pageId: string }).pageId) : journey.route.length;
      journey.route.forEach((page, index) => {
        assert.equal(hasReached(journey, { state: 'question', pageId: page.id }, answers), index <= at, `${page.id} reached only up to where the person is`);
      });
      assert.equal(hasReached(journey, { state: 'check-answers' }, answers), journey.current.state === 'check-answers');
      for (const page of definition.pages.filter((candidate) => !journey.route.includes(candidate))) {
        assert.equal(hasReached(journey, { state: 'question', pageId: page.id }, answers), false, `${page.id} is off the route`);
      }
    }),
  );
});

test('routing: "net" skips the name, "none" ends at the exit page, and answers off the route are dropped (and dropping again changes nothing)', () => {
  fc.assert(
    fc.property(anyAnswers, (answers) => {
      const kept = keepAnswersOnRoute(definition, answers);
      assert.deepEqual(keepAnswersOnRoute(definition, kept), kept);
      const route = describeJourney(definition, answers).route.map((page) => page.id);
      const licence = answers['licence-type']?.values[0];
      if (licence === 'net') assert.ok(!route.includes('full-name') && !('full-name' in kept));
      if (licence === 'none') {
        assert.deepEqual(route, ['licence-type']);
        assert.deepEqual(Object.keys(kept), ['licence-type']);
        assert.deepEqual(describeJourney(definition, kept).current, { state: 'exit', exitId: 'cannot-apply' });
      }
      if (licence === 'rod' || licence === undefined) assert.deepEqual(route, pageIds);
    }),
  );
});
