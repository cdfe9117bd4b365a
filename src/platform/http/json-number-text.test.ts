import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numberTextOf, parseJsonKeepingNumberText } from './json-number-text.ts';

test('numbers a double cannot write back are remembered by holder and key; others are not needed', () => {
  const parsed = parseJsonKeepingNumberText('{"big":12345678901234567890,"one":1.0,"far":1e400,"plain":42,"list":[9007199254740993,0.5]}') as {
    big: number;
    one: number;
    far: number;
    plain: number;
    list: number[];
  };
  assert.equal(numberTextOf(parsed, 'big', parsed.big), '12345678901234567890');
  assert.equal(numberTextOf(parsed, 'one', parsed.one), '1.0');
  assert.equal(numberTextOf(parsed, 'far', parsed.far), '1e400');
  assert.equal(numberTextOf(parsed, 'plain', parsed.plain), '42');
  assert.equal(numberTextOf(parsed.list, 0, parsed.list[0] as number), '9007199254740993');
  assert.equal(numberTextOf(parsed.list, 1, parsed.list[1] as number), '0.5');
});

test('attacker: __proto__ becomes an ordinary key, never a prototype; integers past a limit are refused', () => {
  const parsed = parseJsonKeepingNumberText('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.deepEqual(Object.keys(parsed), ['__proto__', 'constructor']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.throws(() => parseJsonKeepingNumberText(`[${'1'.repeat(11)}]`, { maxIntegerDigits: 10 }), SyntaxError);
  assert.doesNotThrow(() => parseJsonKeepingNumberText(`[-${'1'.repeat(10)}, 1.${'1'.repeat(20)}]`, { maxIntegerDigits: 10 }));
  assert.throws(() => parseJsonKeepingNumberText('{"a":1,}'), SyntaxError);
});
