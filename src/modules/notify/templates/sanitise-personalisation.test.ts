import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillTemplate } from './fill-template.ts';
import { checkPostalAddress } from './recipients.ts';
import { sanitisePersonalisation, sanitisePersonalisationValue } from './sanitise-personalisation.ts';

test('sanitise_content_for removes links, breaks up accidental ones and escapes Markdown, as Notify', () => {
  // The case of notifications-node-client's own integration test.
  assert.equal(sanitisePersonalisationValue('User, [click here](https://evil.link)'), 'User, \\[click here\\]\\(\\)');
  assert.equal(sanitisePersonalisationValue('see example.com now'), 'see example\\. com now');
  assert.equal(sanitisePersonalisationValue('http://phish.example/login?x=1 # *bold*'), ' \\# \\*bold\\*');
  assert.equal(sanitisePersonalisationValue('Ffion Jones'), 'Ffion Jones');
});

test('only the keys named are sanitised (ignoring case, spaces, _ and -), and only what changed is reported', () => {
  const result = sanitisePersonalisation(
    { 'First Name': '[x](https://evil.example/c)', plain: 'Ffion', other: '[y](https://a.b)', list: ['a.b'] },
    ['first_name', 'PLAIN', 'list'],
  );
  // A path runs to the next space, closing bracket included, as Notify's pattern does.
  assert.deepEqual(result.personalisation, { 'First Name': '\\[x\\]\\(', plain: 'Ffion', other: '[y](https://a.b)', list: ['a.b'] });
  assert.deepEqual(result.sanitisedContent, { 'First Name': { unsanitised: '[x](https://evil.example/c)', sanitised: '\\[x\\]\\(' } });
  assert.deepEqual(sanitisePersonalisation({ a: 'b' }, []).sanitisedContent, {});
});

test('an email body keeps its CRLF line endings; a text message has \\n, as Notify returns them', () => {
  const template = { subject: 'Hi', body: 'Hello ((name))\r\n\r\nMore', letter_contact_block: null };
  assert.equal(fillTemplate({ ...template, type: 'email' }, { name: 'Foo' }).body, 'Hello Foo\r\n\r\nMore');
  assert.equal(fillTemplate({ ...template, type: 'sms' }, { name: 'Foo' }).body, 'Hello Foo\n\nMore');
});

test('a letter address may end with postcode instead of address_line_7, as Notify accepts', () => {
  const address = checkPostalAddress({ address_line_1: 'A Person', address_line_2: '1 Street', postcode: 'sw1a1aa' });
  assert.ok(address.ok);
  assert.deepEqual(address.value.lines, ['A Person', '1 Street', 'SW1A 1AA']);
  // address_line_7 given: it is the last line, and postcode is not read.
  const seven = checkPostalAddress({ address_line_1: 'A', address_line_2: 'B', address_line_7: 'SW1A 1AA', postcode: 'nonsense' });
  assert.ok(seven.ok);
  assert.deepEqual(checkPostalAddress({ address_line_1: 'A', postcode: 'SW1A 1AA' }), { ok: false, message: 'Address must be at least 3 lines' });
});

test('attacker: values made to make the link pattern backtrack are sanitised in one pass; real addresses still go', () => {
  // `a-a-a-…-.1` took time growing with the square of its length (2.3 s for 40,000 characters).
  const hyphens = `${'a-'.repeat(200_000)}.1`;
  assert.equal(sanitisePersonalisationValue(hyphens), hyphens.replace(/([-.])/g, '\\$1'));
  const labels = `${'a.'.repeat(200_000)}1`;
  assert.equal(sanitisePersonalisationValue(labels).length > 0, true);
  // Labels that cannot end a match, each with many word boundaries inside: 200 KB took 19 s.
  const hyphenatedLabels = Array.from({ length: 3_200 }, () => `${'a-'.repeat(30)}a1`).join('.');
  assert.equal(sanitisePersonalisationValue(hyphenatedLabels), hyphenatedLabels.replace(/([-.])/g, '\\$1'));
  assert.equal(sanitisePersonalisationValue('--evil.example.com and x-evil.com'), '\\-\\-evil\\. example\\. com and x\\-evil\\. com');
  assert.equal(sanitisePersonalisationValue('Hi,example.com!'), 'Hi,example\\. com\\!');
  assert.equal(sanitisePersonalisationValue('Go to www.evil-site.example.com/login now'), 'Go to  now');
  assert.equal(sanitisePersonalisationValue('see gov.uk'), 'see gov\\. uk');
});
