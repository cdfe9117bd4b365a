import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonKeepingNumberText } from '../../../platform/http/json-number-text.ts';
import { formatAsPythonRepr, quoteAsPython } from './python-repr.ts';

test("strings are quoted as Python's repr quotes them", () => {
  const cases: Array<[string, string]> = [
    ['x', "'x'"],
    ['', "''"],
    ["it's", `"it's"`],
    [`it's "so"`, `'it\\'s "so"'`],
    ['say "hi"', `'say "hi"'`],
    ['back\\slash', "'back\\\\slash'"],
    ['tab\tline\nreturn\r', "'tab\\tline\\nreturn\\r'"],
    ['\u0000\u001f\u007f', "'\\x00\\x1f\\x7f'"],
    ['\u00a0\u00e9\u200b\u2028\ue000', "'\\xa0é\\u200b\\u2028\\ue000'"],
    ['😀 \u{e0001}', "'😀 \\U000e0001'"],
    ['\ud800', "'\\ud800'"],
  ];
  for (const [text, written] of cases) assert.equal(quoteAsPython(text), written, JSON.stringify(text));
});

test('objects and lists are written as Python writes what json.loads made of them, numbers as they were sent', () => {
  const parsed = parseJsonKeepingNumberText(
    '{"a": 1.0, "b": [true, false, null, "x", 12345678901234567890, 1e400, 2.50], "c": {}, "d": [], "e": {"f": {"g": -0.0}}, "__proto__": 1}',
  );
  assert.equal(
    formatAsPythonRepr(parsed),
    "{'a': 1.0, 'b': [True, False, None, 'x', 12345678901234567890, inf, 2.5], 'c': {}, 'd': [], 'e': {'f': {'g': -0.0}}, '__proto__': 1}",
  );
});
