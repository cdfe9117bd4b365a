import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modules } from '../../app.ts';
import { platformMessages } from './create-http-app.ts';
import { createTranslations, flattenCatalogue, MissingMessageError } from './i18n.ts';

test('every English text has a Welsh text and the other way round, in every catalogue', () => {
  const catalogues = [
    { owner: 'platform', ...platformMessages },
    ...modules.flatMap((module) => (module.messages ? [{ owner: module.name, ...module.messages }] : [])),
  ];
  for (const { owner, en, cy } of catalogues) {
    const english = [...flattenCatalogue(en).keys()].sort();
    const welsh = [...flattenCatalogue(cy).keys()].sort();
    assert.deepEqual(welsh, english, `${owner}: the same keys in en and cy`);
    for (const [key, text] of flattenCatalogue(cy)) assert.ok(text.trim().length > 0, `${owner}: cy ${key} is empty`);
    for (const key of english) {
      if (key !== 'platform' && !key.startsWith(`${owner === 'platform' ? 'platform' : owner}.`)) {
        assert.fail(`${owner}: key ${key} must start with "${owner}."`);
      }
    }
  }
});

test('texts are looked up by key with named parameters; a missing key is an error', () => {
  const t = createTranslations([{ en: { a: { b: 'Hello {name}, {missing}' } }, cy: { a: { b: 'Helo {name}' } } }]);
  assert.equal(t.en('a.b', { name: 'Ffion' }), 'Hello Ffion, {missing}');
  assert.equal(t.cy('a.b', { name: 'Ffion' }), 'Helo Ffion');
  assert.throws(() => t.cy('a.c'), MissingMessageError);
});
