import type { Locale } from './i18n.ts';

/**
 * Dates and times as GOV.UK writes them, in UK time (Europe/London, so British Summer Time is
 * applied when it is in force): "2 December 2026", "5:48pm", "2 December 2026 at 5:48pm".
 *
 * The GOV.UK style: a 12-hour clock, no leading zero, lowercase am and pm with no space, no
 * ":00" on the hour ("5pm"), and "midnight" and "midday" rather than 12am and 12pm. In Welsh,
 * as GOV.UK and GOV.WALES write it in Welsh: Welsh month names, "yb" (y bore) and "yp" (y
 * prynhawn) for am and pm, "hanner nos" and "hanner dydd", and "am" between date and time
 * ("2 Rhagfyr 2026 am 5:48yp"). "hanner dydd" rather than "canol dydd" so that the time reads
 * the same after "am" (which would mutate "canol" to "ganol").
 *
 * Every page formats dates through these functions (templates through the `govukDate`,
 * `govukTime` and `govukDateTime` filters), never through toLocale*() or Intl directly: the
 * runtime's own Welsh data and its choice of time zone are not GOV.UK's style.
 */

const UK_TIME_ZONE = 'Europe/London';

type Words = {
  months: readonly string[];
  am: string;
  pm: string;
  midnight: string;
  midday: string;
  /** Between the date and the time. */
  at: string;
};

const WORDS: Record<Locale, Words> = {
  en: {
    months: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
    am: 'am',
    pm: 'pm',
    midnight: 'midnight',
    midday: 'midday',
    at: 'at',
  },
  cy: {
    months: ['Ionawr', 'Chwefror', 'Mawrth', 'Ebrill', 'Mai', 'Mehefin', 'Gorffennaf', 'Awst', 'Medi', 'Hydref', 'Tachwedd', 'Rhagfyr'],
    am: 'yb',
    pm: 'yp',
    midnight: 'hanner nos',
    midday: 'hanner dydd',
    at: 'am',
  },
};

/** A moment as a Date or as the ISO-8601 text the stores keep. */
export type Instant = Date | string;

export class InvalidInstantError extends Error {
  readonly code = 'INVALID_INSTANT';
}

// One formatter, made once: the wall-clock fields of a moment in UK time, as numbers.
const ukClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: UK_TIME_ZONE,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  hourCycle: 'h23',
});

type UkWallClock = { year: number; month: number; day: number; hour: number; minute: number };

function toDate(instant: Instant): Date {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new InvalidInstantError('not a date and time');
  return date;
}

/** The day and time a UK clock showed at this moment. */
export function ukWallClock(instant: Instant): UkWallClock {
  const fields: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of ukClock.formatToParts(toDate(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return { year: fields.year!, month: fields.month!, day: fields.day!, hour: fields.hour!, minute: fields.minute! };
}

/** "2 December 2026" (cy: "2 Rhagfyr 2026"), the day in the UK. */
export function formatDate(instant: Instant, locale: Locale): string {
  const { year, month, day } = ukWallClock(instant);
  return `${day} ${WORDS[locale].months[month - 1]} ${year}`;
}

/** "November 2026" (cy: "Tachwedd 2026") for a calendar month written `2026-11`. */
export function formatMonth(month: string, locale: Locale): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return `${WORDS[locale].months[number - 1]} ${year}`;
}

/** "5:48pm", "9am", "midnight", "midday" (cy: "5:48yp", "9yb", "hanner nos", "hanner dydd"), UK time. */
export function formatTime(instant: Instant, locale: Locale): string {
  const { hour, minute } = ukWallClock(instant);
  const words = WORDS[locale];
  if (minute === 0 && hour === 0) return words.midnight;
  if (minute === 0 && hour === 12) return words.midday;
  const hour12 = hour % 12 === 0 ? 12 : hour % 12;
  const minutes = minute === 0 ? '' : `:${String(minute).padStart(2, '0')}`;
  return `${hour12}${minutes}${hour < 12 ? words.am : words.pm}`;
}

/** "2 December 2026 at 5:48pm" (cy: "2 Rhagfyr 2026 am 5:48yp"), UK time. */
export function formatDateTime(instant: Instant, locale: Locale): string {
  return `${formatDate(instant, locale)} ${WORDS[locale].at} ${formatTime(instant, locale)}`;
}
