import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeMimeMessage, parseSender, senderNamed } from './mime-message.ts';

const sender = parseSender('Civitas Notify <notify@civitas.example>');
const date = new Date('2026-11-27T12:00:00Z');

function decodeQuotedPrintable(encoded: string): string {
  const bytes = encoded.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** The headers and the decoded body of each part of a multipart/alternative message. */
function parse(raw: string) {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const boundary = /boundary="([^"]+)"/.exec(head)?.[1] ?? '';
  const parts = rest.join('\r\n\r\n').split(`--${boundary}`).slice(1, -1).map((part) => {
    const [partHead = '', ...body] = part.replace(/^\r\n/, '').split('\r\n\r\n');
    return { head: partHead, body: decodeQuotedPrintable(body.join('\r\n\r\n').replace(/\r\n$/, '')) };
  });
  return { head, parts, closed: raw.endsWith(`--${boundary}--\r\n`) };
}

test('a message with a text and an HTML part: its headers, and both parts decode to what was given', () => {
  const text = 'Dear Ffion,\n\nYour reference is ABC-123. Pay £10 = ten pounds.\n' + 'A long line. '.repeat(20) + '\n.a line starting with a dot\n';
  const html = '<p style="margin: 0">Annwyl Ffion, ŵyr</p>\n';
  const raw = composeMimeMessage(
    {
      to: 'ffion@example.com',
      subject: 'Your application',
      text,
      html,
      replyTo: 'help@service.gov.uk',
      headers: { 'List-Unsubscribe': '<https://service.example/unsubscribe?u=1>' },
    },
    { sender, messageId: '<0190-abc@civitas>', date },
  );
  assert.ok(raw);
  const { head, parts, closed } = parse(raw);
  assert.match(head, /^From: Civitas Notify <notify@civitas\.example>$/m);
  assert.match(head, /^To: ffion@example\.com$/m);
  assert.match(head, /^Reply-To: help@service\.gov\.uk$/m);
  assert.match(head, /^Subject: Your application$/m);
  assert.match(head, /^Message-ID: <0190-abc@civitas>$/m);
  assert.match(head, /^Date: Fri, 27 Nov 2026 12:00:00 \+0000$/m);
  assert.match(head, /^MIME-Version: 1\.0$/m);
  assert.match(head, /^List-Unsubscribe: <https:\/\/service\.example\/unsubscribe\?u=1>$/m);
  assert.match(head, /^Content-Type: multipart\/alternative;\r\n boundary="[^"]+"$/m);
  assert.equal(parts.length, 2);
  assert.match(parts[0]?.head ?? '', /^Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable$/);
  assert.equal(parts[0]?.body, text.replace(/\n/g, '\r\n'));
  assert.match(parts[1]?.head ?? '', /^Content-Type: text\/html; charset=utf-8/);
  assert.equal(parts[1]?.body, html.replace(/\n/g, '\r\n'));
  assert.ok(closed, 'the multipart ends with its closing boundary');
  assert.ok(raw.split('\r\n').every((line) => line.length <= 78), 'no line longer than 78 characters');
  assert.doesNotMatch(raw.replace(/\r\n/g, ''), /[\r\n]/, 'every line ends with CRLF');
});

test('a subject in Welsh is an encoded word; a line break in it cannot start a header of its own', () => {
  const raw = composeMimeMessage(
    { to: 'ffion@example.com', subject: 'Eich cais: ŵyr\r\nBcc: someone@example.com', text: 'Helo' },
    { sender, messageId: '<1@civitas>', date },
  );
  assert.ok(raw);
  assert.match(raw, /^Subject: =\?UTF-8\?Q\?.*\?=/m);
  assert.doesNotMatch(raw, /^Bcc:/m);
  assert.match(raw, /^Content-Type: text\/plain; charset=utf-8$/m, 'without HTML, a single text part');
});

test('display names are quoted or encoded as they need', () => {
  assert.deepEqual(parseSender('no-reply@civitas.localhost'), { address: 'no-reply@civitas.localhost', header: 'no-reply@civitas.localhost' });
  assert.equal(parseSender('Civitas, Wales <a@b.example>').header, '"Civitas, Wales" <a@b.example>');
  assert.match(parseSender('Llywodraeth Cymru – Hysbysu <a@b.example>').header, /^=\?UTF-8\?Q\?.+\?= <a@b\.example>$/);
});

test("a service's name is shown as the sender, and cannot add a header", () => {
  assert.equal(senderNamed('Driver and Vehicle Licensing Agency', 'notify@civitas.example').header, 'Driver and Vehicle Licensing Agency <notify@civitas.example>');
  assert.equal(senderNamed('Parking (Cardiff)\r\nBcc: x@example.com', 'a@b.example').header, '"Parking (Cardiff) Bcc: x@example.com" <a@b.example>');
  assert.equal(senderNamed('  ', 'a@b.example').header, 'a@b.example');
});

test('an address or header that needs encoding is left to the full composer', () => {
  const plain = { to: 'ffion@example.com', subject: 'Hello', text: 'Hello' };
  const options = { sender, messageId: '<1@civitas>', date };
  assert.ok(composeMimeMessage(plain, options));
  assert.equal(composeMimeMessage({ ...plain, to: 'ffiôn@example.com' }, options), undefined);
  assert.equal(composeMimeMessage({ ...plain, to: 'Ffion <ffion@example.com>' }, options), undefined);
  assert.equal(composeMimeMessage({ ...plain, replyTo: 'help@bücher.example' }, options), undefined);
  assert.equal(composeMimeMessage({ ...plain, headers: { 'X-Note': 'über' } }, options), undefined);
  assert.equal(composeMimeMessage({ ...plain, headers: { 'X-Note': 'a\r\nBcc: x@example.com' } }, options), undefined);
});
