import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseBlocks, renderBlocksAsText } from './email-formatting.ts';
import { fillTemplate } from './fill-template.ts';
import { fillPlaceholders, findMissingPersonalisation, listPlaceholders } from './placeholders.ts';
import { checkEmailAddress, checkPhoneNumber, checkPostalAddress } from './recipients.ts';
import { PAGE_ATTRIBUTES, fillEmail, renderEmail, renderEmailBodyHtml } from './render-email.ts';
import { countPdfPages, renderLetterPdf } from './render-letter.ts';
import { countSmsCharacters, countSmsFragments, describeSmsEncoding, prepareSmsText } from './sms-length.ts';

test('placeholders match whatever the case, spaces, underscores and hyphens', () => {
  const text = 'Hi ((First Name)), ref ((first_name)) ((FIRST-NAME)) (((brackets)))';
  assert.equal(fillPlaceholders(text, { 'first name': 'Ffion', brackets: 'x' }, { listStyle: 'inline' }), 'Hi Ffion, ref Ffion Ffion (x)');
  assert.deepEqual(listPlaceholders(text), ['First Name', 'brackets']);
  assert.deepEqual(findMissingPersonalisation({ FIRSTNAME: 'a' }, text), ['brackets']);
  assert.deepEqual(findMissingPersonalisation({ brackets: null, 'first name': 'a' }, text), ['brackets'], 'null counts as missing');
  assert.equal(fillPlaceholders('((missing)) stays', {}, { listStyle: 'inline' }), '((missing)) stays');
  assert.equal(fillPlaceholders('((n)) and (()) and ((  ))', { n: 3 }, { listStyle: 'inline' }), '3 and (()) and ((  ))');
});

test('((name??text)) shows its text only for yes, y, true, t, 1, include and show', () => {
  for (const value of ['yes', 'Y', 'true', 'T', '1', 'include', 'SHOW', ' yes ']) {
    assert.equal(fillPlaceholders('A((urgent??, urgent)).', { urgent: value }, { listStyle: 'inline' }), 'A, urgent.', value);
  }
  for (const value of ['no', 'false', '0', '', 'maybe']) {
    assert.equal(fillPlaceholders('A((urgent??, urgent)).', { urgent: value }, { listStyle: 'inline' }), 'A.', value);
  }
  assert.deepEqual(listPlaceholders('((urgent??text)) ((Urgent))'), ['urgent']);
});

test('list values become bullets in a body and "a, b and c" inline', () => {
  const body = fillEmail({ subject: 'You need ((items))', body: 'Bring:\n\n((items))\n\nThanks' }, { items: ['passport', 'letter', 'photo'] });
  assert.equal(body.subject, 'You need passport, letter and photo');
  assert.equal(body.body, 'Bring:\n\n\n\n* passport\n* letter\n* photo\n\n\n\nThanks');
  assert.equal(renderEmailBodyHtml(body.body, PAGE_ATTRIBUTES).replace(/ class="[^"]*"/g, ''), '<p>Bring:</p>\n<ul><li>passport</li><li>letter</li><li>photo</li></ul>\n<p>Thanks</p>');
  assert.equal(fillTemplate({ type: 'sms', subject: null, body: 'Bring ((x))', letter_contact_block: null }, { x: ['a', 'b'] }).body, 'Bring a and b');
});

test("email formatting: headings, lists, inset text, rule, links; everything else literal and escaped", () => {
  const source = [
    '# Heading one',
    '## Heading two',
    '### not a heading',
    '',
    'First line',
    'second line with *stars* and _underscores_ and <b>tags</b> & `code`',
    '',
    '- dash',
    '• dot',
    '1. first',
    '2. second',
    '',
    '^ inset one',
    '^ inset two',
    '',
    '---',
    '',
    'See [our guidance](https://www.gov.uk/guidance) or https://example.gov.uk/a?b=c&d=e.',
    '![image](https://example.com/i.png)',
  ].join('\n');
  const html = renderEmailBodyHtml(source, PAGE_ATTRIBUTES).replace(/ class="[^"]*"/g, '');
  assert.equal(
    html,
    [
      '<h2>Heading one</h2>',
      '<h3>Heading two</h3>',
      '<p>### not a heading</p>',
      '<p>First line<br>second line with *stars* and _underscores_ and &lt;b&gt;tags&lt;/b&gt; &amp; `code`</p>',
      '<ul><li>dash</li><li>dot</li></ul>',
      '<ol><li>first</li><li>second</li></ol>',
      '<blockquote><p>inset one<br>inset two</p></blockquote>',
      '<hr>',
      '<p>See <a href="https://www.gov.uk/guidance">our guidance</a> or <a href="https://example.gov.uk/a?b=c&amp;d=e">https://example.gov.uk/a?b=c&amp;d=e</a>.<br>![image](<a href="https://example.com/i.png">https://example.com/i.png</a>)</p>',
    ].join('\n'),
  );
  assert.equal(renderEmailBodyHtml('[x](javascript:alert(1))', PAGE_ATTRIBUTES).replace(/ class="[^"]*"/g, ''), '<p>[x](javascript:alert(1))</p>', 'only http(s) links');
  const text = renderBlocksAsText(parseBlocks(source));
  assert.match(text, /^Heading one\n=+\n\nHeading two\n-+\n\n### not a heading/);
  assert.match(text, /• dash\n• dot\n\n1\. first\n2\. second/);
  assert.match(text, /See our guidance: https:\/\/www\.gov\.uk\/guidance or https:\/\/example\.gov\.uk\/a\?b=c&d=e\./);
});

test('the HTML email is a whole accessible document with a plain-text part', () => {
  const rendered = renderEmail(fillEmail({ subject: 'Hello ((name))', body: '# Hi\n\nText' }, { name: 'Ffion' }), { serviceName: 'Tax & Benefits' });
  assert.match(rendered.html, /^<!DOCTYPE html>\n<html lang="en">/);
  assert.match(rendered.html, /<title>Hello Ffion<\/title>/);
  assert.match(rendered.html, />Tax &amp; Benefits<\/p>/);
  assert.equal(rendered.text, 'Hi\n==\n\nText\n');
});

test('text message length: GSM 160/153 with extension characters counting twice; Welsh letters make it Unicode 70/67', () => {
  assert.equal(countSmsFragments('a'.repeat(160)), 1);
  assert.equal(countSmsFragments('a'.repeat(161)), 2);
  assert.equal(countSmsFragments('a'.repeat(306)), 2);
  assert.equal(countSmsFragments('a'.repeat(307)), 3);
  assert.equal(countSmsCharacters('[]{}€'), 10);
  assert.equal(countSmsFragments('€'.repeat(80)), 1);
  assert.equal(countSmsFragments('€'.repeat(81)), 2);
  assert.equal(describeSmsEncoding('Croeso i Gymru, ŵyr'), 'unicode');
  assert.equal(countSmsFragments('ŵ'.repeat(70)), 1);
  assert.equal(countSmsFragments('ŵ'.repeat(71)), 2);
  assert.equal(countSmsFragments('ŵ'.repeat(134)), 2);
  assert.equal(countSmsFragments('ŵ'.repeat(135)), 3);
  assert.equal(describeSmsEncoding('café über ñ'), 'gsm', 'letters GSM has stay GSM');
  assert.equal(prepareSmsText('‘quote’ – “dash” 😀 ĉ'), '\'quote\' - "dash" ? ?', 'others are downgraded or become ?');
  assert.equal(countSmsFragments('😀'.repeat(160)), 1, 'downgraded emoji count one each');
});

test('booleans are filled in as Notify writes them: True and False, alone or in a list; conditionals still read them', () => {
  assert.equal(fillPlaceholders('Paid: ((paid)). Items: ((items))', { paid: true, items: [false, 'a'] }, { listStyle: 'inline' }), 'Paid: True. Items: False and a');
  assert.equal(fillPlaceholders('((paid??Thank you))', { paid: true }, { listStyle: 'inline' }), 'Thank you');
  assert.equal(fillPlaceholders('((paid??Thank you))', { paid: false }, { listStyle: 'inline' }), '');
});

test('a text message is counted as the text it will be sent as (counted without making it)', () => {
  const countPrepared = (text: string) => {
    const prepared = prepareSmsText(text);
    if (describeSmsEncoding(text) === 'unicode') return prepared.length;
    return [...prepared].reduce((count, character) => count + ('^{}\\[~]|€\f'.includes(character) ? 2 : 1), 0);
  };
  const characters = fc.constantFrom(...'aZ9 @£$€[]{}^~|\\\f\n\r\t‘’“”–—…•\u00a0\u200b\ufeffçÀáÊëÍîÒóÙûÿŸŵŷâ😀ĉ');
  fc.assert(fc.property(fc.array(characters, { maxLength: 40 }).map((list) => list.join('')), (text) => countSmsCharacters(text) === countPrepared(text)));
});

test('recipients: email addresses, UK and international mobile numbers, postal addresses', () => {
  for (const good of ['a@example.com', 'first.last+tag@sub.example.gov.uk', "o'neil@example.org"]) assert.ok(checkEmailAddress(good).ok, good);
  for (const bad of ['a', 'a@b', 'a@@example.com', 'a..b@example.com', 'a@example..com', 'a b@example.com', '@example.com', 'a@-example.com', 'a@example.c']) {
    assert.deepEqual(checkEmailAddress(bad), { ok: false, message: 'Not a valid email address' }, bad);
  }
  assert.deepEqual(checkPhoneNumber('07700 900123'), { ok: true, value: { normalised: '447700900123', international: false } });
  assert.deepEqual(checkPhoneNumber('+44 (0)7700-900123'), { ok: true, value: { normalised: '447700900123', international: false } });
  assert.deepEqual(checkPhoneNumber('+447700900123'), { ok: true, value: { normalised: '447700900123', international: false } });
  assert.deepEqual(checkPhoneNumber('0044 7700 900123'), { ok: true, value: { normalised: '447700900123', international: false } });
  assert.deepEqual(checkPhoneNumber('077009001234'), { ok: false, message: 'Too many digits' });
  assert.deepEqual(checkPhoneNumber('0770090012'), { ok: false, message: 'Not enough digits' });
  assert.deepEqual(checkPhoneNumber('02079460000'), { ok: false, message: 'Not a UK mobile number' });
  assert.deepEqual(checkPhoneNumber('07700 9OO123'), { ok: false, message: 'Must not contain letters or symbols' });
  assert.deepEqual(checkPhoneNumber('+1 202 555 0143'), { ok: true, value: { normalised: '12025550143', international: true } });
  assert.deepEqual(checkPostalAddress({ address_line_1: 'A', address_line_2: '', address_line_3: 'B', address_line_4: 'sw1a1aa' }), {
    ok: true,
    value: { lines: ['A', 'B', 'SW1A 1AA'], postcode: 'SW1A 1AA' },
  });
  assert.deepEqual(checkPostalAddress({ address_line_1: 'A', address_line_2: 'SW1A 1AA' }), { ok: false, message: 'Address must be at least 3 lines' });
});

test('a letter renders to a PDF, pages counted', async () => {
  const pdf = await renderLetterPdf({
    subject: 'About your application',
    body: `# Next steps\n\n${'A long paragraph of text. '.repeat(400)}\n\n* one\n* two\n\n^ inset\n\n---\n\n1. a\n2. b`,
    contactBlock: 'Civitas Council\n1 Street\nTown',
    addressLines: ['Ffion Jones', '1 High Street', 'SW1A 1AA'],
    date: new Date('2026-01-31T12:00:00Z'),
  });
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(countPdfPages(pdf) >= 2, 'a long letter runs to more than one page');
});

test('attacker: an email of more than 10,000 lines is refused in words, before it is rendered as HTML that grows with each line', () => {
  const template = { type: 'email' as const, subject: 'Hello', body: 'Items:\n\n((items))', letter_contact_block: null };
  const fine = fillTemplate(template, { items: Array.from({ length: 9_000 }, () => 'a') });
  assert.ok(fine.body.includes('* a'));
  assert.throws(() => fillTemplate(template, { items: Array.from({ length: 120_000 }, () => 'a') }), /Emails cannot have more than 10000 lines/);
  assert.throws(() => fillTemplate(template, { items: '\n* a'.repeat(20_000) }), /Emails cannot have more than 10000 lines/);
  assert.throws(() => fillTemplate(template, { items: '^a\r\r'.repeat(20_000) }), /Emails cannot have more than 10000 lines/, 'a lone carriage return ends a line too');
  assert.doesNotThrow(() => fillTemplate(template, { items: 'a\r\n'.repeat(9_000) }), 'CRLF is one line end');
  assert.throws(() => fillTemplate(template, { items: 'http://a '.repeat(20_000) }), /Emails cannot have more than 10000 links/);
  assert.doesNotThrow(() => fillTemplate(template, { items: 'see https://www.gov.uk '.repeat(100) }));
  const titled = { ...template, subject: 'About ((subject))' };
  assert.throws(() => fillTemplate(titled, { items: 'a', subject: "'".repeat(7_000_000) }), /Email subjects cannot be longer than 2000 characters/);
  assert.doesNotThrow(() => fillTemplate(titled, { items: 'a', subject: 'x'.repeat(1_900) }));
});

test('attacker: an email whose body would grow past 5 MB as HTML is refused in words; a long email of prose and links is not', () => {
  const template = { type: 'email' as const, subject: 'Hello', body: 'See ((link))', letter_contact_block: null };
  assert.throws(() => fillTemplate(template, { link: `https://example.com/?${'&'.repeat(1_000_000)}` }), /Emails cannot be longer than 5000000 bytes as HTML\. Your message is 100\d{5} bytes as HTML\./);
  assert.throws(() => fillTemplate(template, { link: `[${'<'.repeat(900_000)}](https://example.com/${'"'.repeat(900_000)})` }), /bytes as HTML/);
  const prose = `${'A sentence of ordinary words, with a link to https://www.gov.uk/guidance now and then.\n'.repeat(9_000)}`;
  const accepted = fillTemplate(template, { link: prose + 'x'.repeat(1_200_000) });
  assert.ok(accepted.body.length > 1_900_000, 'nearly 2 MB of prose and 9,000 links is accepted');
});
