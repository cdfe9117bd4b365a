import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRelevant } from './read-relevant.ts';

test('the relevant expressions Civitas routes on: equality, selected(), or on one question, and', () => {
  assert.deepEqual(readRelevant("${owns_boat} = 'yes'"), [{ question: 'owns_boat', answers: ['yes'] }]);
  assert.deepEqual(readRelevant("'yes'=${owns_boat}"), [{ question: 'owns_boat', answers: ['yes'] }]);
  assert.deepEqual(readRelevant('${size} = "large"'), [{ question: 'size', answers: ['large'] }]);
  assert.deepEqual(readRelevant('${count} = 2'), [{ question: 'count', answers: ['2'] }]);
  assert.deepEqual(readRelevant("selected(${owns_boat}, 'yes')"), [{ question: 'owns_boat', answers: ['yes'] }]);
  assert.deepEqual(readRelevant("${kind} = 'rod' or selected(${kind}, 'net') or (${kind} = 'rod')"), [{ question: 'kind', answers: ['net', 'rod'] }]);
  assert.deepEqual(readRelevant("${a} = 'x' and ${b.c} = 'y'"), [
    { question: 'a', answers: ['x'] },
    { question: 'b.c', answers: ['y'] },
  ]);
});

test('anything else is not routing: !=, not(), comparisons, functions, or across questions, trailing words, unclosed brackets', () => {
  for (const expression of [
    "${a} != 'x'",
    "not(selected(${a}, 'x'))",
    '${age} > 18',
    "${a} = 'x' or ${b} = 'y'",
    "(${a} = 'x' or ${a} = 'y') and ${a} = 'z'",
    "${a} = 'x' and ${a} = 'y'",
    "count-selected(${a}) = 2",
    "${a} = 'x' ${b}",
    "(${a} = 'x'",
    "${a} = ${b}",
    "'x' = 'x'",
    '',
    '   ',
    "${a} = 'x' ; drop table",
    "${a} = 'x' or".repeat(200),
  ]) {
    assert.equal(readRelevant(expression), undefined, expression.slice(0, 60));
  }
});
