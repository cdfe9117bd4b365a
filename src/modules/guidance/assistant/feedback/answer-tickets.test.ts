import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAnswerTickets, TICKET_LIFETIME_MS } from './answer-tickets.ts';

test('a ticket is good for the passages it was issued with, for a day, under the same secret', () => {
  let now = Date.parse('2026-12-03T10:00:00Z');
  const tickets = createAnswerTickets({ secret: 'a'.repeat(32), clock: () => new Date(now) });
  const ticket = tickets.issue(['en:blue-badge:1', 'en:blue-badge:2']);
  const answer = tickets.verify(ticket, ['en:blue-badge:1', 'en:blue-badge:2']);
  assert.ok(answer);
  assert.notEqual(tickets.verify(tickets.issue(['en:blue-badge:1', 'en:blue-badge:2']), ['en:blue-badge:1', 'en:blue-badge:2'])?.answerId, answer.answerId, 'each answer its own id');

  assert.equal(tickets.verify(ticket, ['en:blue-badge:1']), undefined, 'fewer passages');
  assert.equal(tickets.verify(ticket, ['en:blue-badge:2', 'en:blue-badge:1']), undefined, 'passages reordered');
  assert.equal(createAnswerTickets({ secret: 'b'.repeat(32), clock: () => new Date(now) }).verify(ticket, ['en:blue-badge:1', 'en:blue-badge:2']), undefined, 'another secret');
  const [id, issuedAt, mac] = ticket.split('.') as [string, string, string];
  assert.equal(tickets.verify(`${id}.${Number(issuedAt) + 1000}.${mac}`, ['en:blue-badge:1', 'en:blue-badge:2']), undefined, 'issued time changed');
  for (const malformed of ['', 'x', `${id}.${issuedAt}`, `${ticket}.x`, `${id}.-1.${mac}`, `${id}.${'9'.repeat(16)}.${mac}`]) assert.equal(tickets.verify(malformed, []), undefined, malformed);

  // Every other last character, including those that decode to the same 32 bytes.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (const last of alphabet.replace(ticket.at(-1) ?? '', '')) assert.equal(tickets.verify(`${ticket.slice(0, -1)}${last}`, ['en:blue-badge:1', 'en:blue-badge:2']), undefined, `last character ${last}`);

  now += TICKET_LIFETIME_MS;
  assert.ok(tickets.verify(ticket, ['en:blue-badge:1', 'en:blue-badge:2']), 'still good at a day');
  now += 1;
  assert.equal(tickets.verify(ticket, ['en:blue-badge:1', 'en:blue-badge:2']), undefined, 'expired');
});
