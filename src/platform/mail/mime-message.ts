import { randomUUID } from 'node:crypto';
import { encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';
import { encode as encodeQuotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp';
import type { OutgoingEmail } from './mail-transport.ts';

/** A mailbox with no characters that need encoding or quoting in a header or an SMTP envelope. */
const PLAIN_ADDRESS = /^[!#-'*+\-/-9=?A-Z^-~.]+@[A-Za-z0-9.-]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** The `atext` of RFC 5322 and spaces: a display name that needs no quotes. */
const PLAIN_PHRASE = /^[A-Za-z0-9!#-'*+\-/=?^_`{|}~ ]+$/;
const MAX_HEADER_LINE = 998;

export type Sender = { address: string; header: string };

/** `Name <address>` or an address alone (as MAIL_FROM is checked), as the From header writes it. */
export function parseSender(from: string): Sender {
  const match = /^(.*?)\s*<([^<>]+)>$/.exec(from.trim());
  return senderNamed(match?.[1] ?? '', (match?.[2] ?? from).trim());
}

/** The From header for `address` shown as `name`, quoted or encoded as the name needs. */
export function senderNamed(name: string, address: string): Sender {
  const phrase = name.replace(/[\r\n]+/g, ' ').trim();
  if (!phrase) return { address, header: address };
  if (PLAIN_PHRASE.test(phrase)) return { address, header: `${phrase} <${address}>` };
  if (PRINTABLE_ASCII.test(phrase)) return { address, header: `"${phrase.replace(/["\\]/g, '\\$&')}" <${address}>` };
  return { address, header: `${encodeWords(phrase, 'Q', 52, true)} <${address}>` };
}

function quotedPrintable(text: string): string {
  return wrapQuotedPrintable(encodeQuotedPrintable(text.replace(/\r?\n/g, '\r\n')), 76);
}

function textPart(contentType: string, content: string): string {
  return `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${quotedPrintable(content)}`;
}

/**
 * The whole MIME message of an email, built as one string: an order of magnitude less work per
 * message than nodemailer's composer, which streams every part through encoders. Only for plain
 * addresses and ASCII extra headers (what a worker sends all day); returns undefined for anything
 * else, which nodemailer's composer then handles.
 */
export function composeMimeMessage(email: OutgoingEmail, options: { sender: Sender; messageId: string; date: Date }): string | undefined {
  if (!PLAIN_ADDRESS.test(email.to) || (email.replyTo && !PLAIN_ADDRESS.test(email.replyTo))) return undefined;
  const extraHeaders = Object.entries(email.headers ?? {});
  if (!extraHeaders.every(([name, value]) => /^[\x21-\x39\x3b-\x7e]+$/.test(name) && PRINTABLE_ASCII.test(value))) return undefined;

  const subject = email.subject.replace(/[\r\n]+/g, ' ');
  const headers = [
    `From: ${options.sender.header}`,
    `To: ${email.to}`,
    ...(email.replyTo ? [`Reply-To: ${email.replyTo}`] : []),
    foldLines(`Subject: ${encodeWords(subject, 'Q', 52, true)}`, 76),
    `Message-ID: ${options.messageId}`,
    `Date: ${options.date.toUTCString().replace(/GMT$/, '+0000')}`,
    'MIME-Version: 1.0',
    ...extraHeaders.map(([name, value]) => `${name}: ${value}`),
  ];
  if (headers.some((line) => line.length > MAX_HEADER_LINE)) return undefined;
  if (email.html === undefined) return `${headers.join('\r\n')}\r\n${textPart('text/plain', email.text)}`;

  // "=_" never occurs in quoted-printable text, so the boundary cannot be mistaken for content.
  const boundary = `=_civitas_${randomUUID()}`;
  return (
    `${headers.join('\r\n')}\r\nContent-Type: multipart/alternative;\r\n boundary="${boundary}"\r\n\r\n` +
    `--${boundary}\r\n${textPart('text/plain', email.text)}\r\n` +
    `--${boundary}\r\n${textPart('text/html', email.html)}\r\n` +
    `--${boundary}--\r\n`
  );
}
