import type { FormPage } from '../definition/form-definition.ts';
import type { FieldError, SubmittedFields } from './answers.ts';

const PARTS = ['day', 'month', 'year'] as const;
type Part = (typeof PARTS)[number];

function fieldOf(fields: SubmittedFields, part: Part): string {
  const value = fields[part];
  return typeof value === 'string' ? value.trim() : '';
}

/** The day the date is on in the UK (the runner's "today"), as YYYY-MM-DD. */
export function todayInTheUk(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/**
 * A date in three fields, checked as the Design System's date input pattern asks: all of it
 * missing, a part missing, a year without 4 numbers, a date that does not exist, and for a date
 * of birth one that is not in the past. The value is kept as YYYY-MM-DD.
 */
export function readDate(page: FormPage, fields: SubmittedFields, now: Date = new Date()): { value: string | null; errors: FieldError[] } {
  const parts = Object.fromEntries(PARTS.map((part) => [part, fieldOf(fields, part)])) as Record<Part, string>;
  const missing = PARTS.filter((part) => parts[part] === '');
  if (missing.length === PARTS.length) return { value: null, errors: [{ field: 'day', key: page.settings?.dateOfBirth ? 'dateOfBirthRequired' : 'dateRequired' }] };
  if (missing.length > 0) return { value: null, errors: [{ field: missing[0] as Part, key: `dateMissing.${missing.join('And')}` }] };
  const notNumber = PARTS.find((part) => !/^[0-9]{1,4}$/.test(parts[part]));
  if (notNumber) return { value: null, errors: [{ field: notNumber, key: 'dateNotReal' }] };
  if (parts.year.length !== 4) return { value: null, errors: [{ field: 'year', key: 'dateYearDigits' }] };
  const [day, month, year] = [Number(parts.day), Number(parts.month), Number(parts.year)];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || day < 1 || date.getUTCDate() !== day || year < 1000) return { value: null, errors: [{ field: month < 1 || month > 12 ? 'month' : 'day', key: 'dateNotReal' }] };
  const value = `${parts.year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  if (page.settings?.dateOfBirth && value >= todayInTheUk(now)) return { value: null, errors: [{ field: 'day', key: 'dateOfBirthPast' }] };
  return { value, errors: [] };
}
