import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDate, formatDateTime, formatMonth, formatTime, InvalidInstantError } from './dates.ts';

test('a date and time as GOV.UK writes it, in English and in Welsh', () => {
  assert.equal(formatDateTime('2026-12-02T17:48:00.000Z', 'en'), '2 December 2026 at 5:48pm');
  assert.equal(formatDateTime('2026-12-02T17:48:00.000Z', 'cy'), '2 Rhagfyr 2026 am 5:48yp');
  assert.equal(formatDate(new Date('2026-12-02T17:48:00.000Z'), 'en'), '2 December 2026');
  assert.equal(formatTime(new Date('2026-12-02T09:05:00.000Z'), 'en'), '9:05am');
  assert.equal(formatTime(new Date('2026-12-02T09:05:00.000Z'), 'cy'), '9:05yb');
});

test('a 12-hour clock with no leading zero, no ":00" on the hour, midnight and midday in words', () => {
  const at = (time: string) => `2026-01-15T${time}:00.000Z`; // January: UK time is UTC
  assert.equal(formatTime(at('00:00'), 'en'), 'midnight');
  assert.equal(formatTime(at('00:00'), 'cy'), 'hanner nos');
  assert.equal(formatTime(at('12:00'), 'en'), 'midday');
  assert.equal(formatTime(at('12:00'), 'cy'), 'hanner dydd');
  assert.equal(formatTime(at('00:05'), 'en'), '12:05am');
  assert.equal(formatTime(at('12:30'), 'en'), '12:30pm');
  assert.equal(formatTime(at('12:30'), 'cy'), '12:30yp');
  assert.equal(formatTime(at('09:00'), 'en'), '9am');
  assert.equal(formatTime(at('21:00'), 'cy'), '9yp');
  assert.equal(formatTime(at('23:59'), 'en'), '11:59pm');
  assert.equal(formatDateTime(at('00:00'), 'en'), '15 January 2026 at midnight');
  assert.equal(formatDateTime(at('12:00'), 'cy'), '15 Ionawr 2026 am hanner dydd');
});

test('UK time: British Summer Time from the last Sunday of March to the last Sunday of October', () => {
  // 2026: the clocks go forward at 1am GMT on 29 March and back at 1am GMT on 25 October.
  assert.equal(formatDateTime('2026-03-29T00:59:00Z', 'en'), '29 March 2026 at 12:59am');
  assert.equal(formatDateTime('2026-03-29T01:00:00Z', 'en'), '29 March 2026 at 2am');
  assert.equal(formatDateTime('2026-10-25T00:30:00Z', 'en'), '25 October 2026 at 1:30am');
  assert.equal(formatDateTime('2026-10-25T01:30:00Z', 'en'), '25 October 2026 at 1:30am');
  assert.equal(formatDateTime('2026-10-25T02:00:00Z', 'en'), '25 October 2026 at 2am');
  // In summer the UK day starts an hour before the UTC day does.
  assert.equal(formatDateTime('2026-06-30T23:30:00Z', 'en'), '1 July 2026 at 12:30am');
  assert.equal(formatDate('2026-06-30T23:30:00Z', 'cy'), '1 Gorffennaf 2026');
  assert.equal(formatTime('2026-07-01T11:00:00Z', 'en'), 'midday');
  // A time with an offset of its own is the same moment.
  assert.equal(formatDateTime('2026-12-02T18:48:00+01:00', 'en'), '2 December 2026 at 5:48pm');
});

test('every Welsh month name', () => {
  const months = Array.from({ length: 12 }, (_, index) => formatDate(new Date(Date.UTC(2026, index, 10, 12)), 'cy').split(' ')[1]);
  assert.deepEqual(months, ['Ionawr', 'Chwefror', 'Mawrth', 'Ebrill', 'Mai', 'Mehefin', 'Gorffennaf', 'Awst', 'Medi', 'Hydref', 'Tachwedd', 'Rhagfyr']);
});

test('something that is not a date is refused, not printed as "Invalid Date" or NaN', () => {
  for (const bad of ['', 'yesterday', '2026-13-45T99:00:00Z', '<script>', new Date(Number.NaN)]) {
    assert.throws(() => formatDateTime(bad, 'en'), InvalidInstantError, String(bad));
  }
  assert.throws(() => formatDate({} as unknown as string, 'cy'), InvalidInstantError);
});

test('a calendar month is its name and year, in English and Welsh', () => {
  assert.equal(formatMonth('2026-11', 'en'), 'November 2026');
  assert.equal(formatMonth('2027-01', 'cy'), 'Ionawr 2027');
});
