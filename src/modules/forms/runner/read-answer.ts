import { NONE_OF_THE_ABOVE, type FormPage } from '../definition/form-definition.ts';
import type { AnswerValue, FieldError, SubmittedFields } from './answers.ts';
import { readDate } from './read-date.ts';

/** GOV.UK Forms' limits: a single line 499 characters, several lines 4,999. */
export const TEXT_LIMITS = { singleLine: 499, multiline: 4_999, email: 254, phoneDigits: { min: 8, max: 15 }, numberDigits: 15 } as const;

export type ReadAnswer = { value: AnswerValue | null; errors: FieldError[] };

const NI_PATTERN = /^(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$/;
const EMAIL_PATTERN = /^[^\s@"<>()[\]\\,;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const UK_POSTCODE_PATTERN = /^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$/;
const NUMBER_PATTERN = /^-?[0-9]+(\.[0-9]+)?$/;

function textOf(fields: SubmittedFields, name: string): string {
  const value = fields[name];
  return typeof value === 'string' ? value.trim() : '';
}

function listOf(fields: SubmittedFields, name: string): string[] {
  const value = fields[name];
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]);
}

/** Reads the named fields as text, each required unless listed optional, none longer than `maxLength`. */
function readParts(fields: SubmittedFields, parts: ReadonlyArray<{ name: string; requiredKey?: string; maxLength?: number }>) {
  const errors: FieldError[] = [];
  const values: Record<string, string> = {};
  for (const part of parts) {
    const value = textOf(fields, part.name);
    const maxLength = part.maxLength ?? TEXT_LIMITS.singleLine;
    if (value === '' && part.requiredKey) errors.push({ field: part.name, key: part.requiredKey });
    else if (value.length > maxLength) errors.push({ field: part.name, key: 'tooLong', parameters: { max: maxLength } });
    if (value !== '') values[part.name] = value;
  }
  return { values, errors };
}

function readName(page: FormPage, fields: SubmittedFields): ReadAnswer {
  const split = page.settings?.nameInput === 'first_and_last';
  const { values, errors } = readParts(fields, [
    ...(page.settings?.nameTitle ? [{ name: 'title', maxLength: 20 }] : []),
    ...(split ? [{ name: 'first_name', requiredKey: 'firstName' }, { name: 'last_name', requiredKey: 'lastName' }] : [{ name: 'full_name', requiredKey: 'fullName' }]),
  ]);
  const value = split
    ? { ...(values.title ? { title: values.title } : {}), firstName: values.first_name ?? '', lastName: values.last_name ?? '' }
    : { ...(values.title ? { title: values.title } : {}), fullName: values.full_name ?? '' };
  return { value, errors };
}

function readAddress(page: FormPage, fields: SubmittedFields): ReadAnswer {
  if (page.settings?.addressKind === 'international') {
    const { values, errors } = readParts(fields, [
      { name: 'address', requiredKey: 'internationalAddress', maxLength: TEXT_LIMITS.multiline },
      { name: 'country', requiredKey: 'country' },
    ]);
    return { value: { address: values.address ?? '', country: values.country ?? '' }, errors };
  }
  const { values, errors } = readParts(fields, [
    { name: 'address_line_1', requiredKey: 'addressLine1' },
    { name: 'address_line_2' },
    { name: 'town', requiredKey: 'town' },
    { name: 'county' },
    { name: 'postcode', requiredKey: 'postcode', maxLength: 10 },
  ]);
  const postcode = (values.postcode ?? '').toUpperCase().replace(/\s+/g, ' ');
  if (postcode !== '' && !errors.some((error) => error.field === 'postcode') && !UK_POSTCODE_PATTERN.test(postcode)) errors.push({ field: 'postcode', key: 'postcodeFormat' });
  const value = {
    line1: values.address_line_1 ?? '',
    ...(values.address_line_2 ? { line2: values.address_line_2 } : {}),
    town: values.town ?? '',
    ...(values.county ? { county: values.county } : {}),
    postcode,
  };
  return { value, errors };
}

function readSelection(page: FormPage, fields: SubmittedFields): ReadAnswer {
  const allowed = new Set((page.settings?.options ?? []).map((option) => option.value));
  if (page.settings?.noneOfTheAbove) allowed.add(NONE_OF_THE_ABOVE);
  const chosen = [...new Set(listOf(fields, 'answer').filter((value) => value !== ''))];
  if (chosen.length > allowed.size || chosen.some((value) => !allowed.has(value))) return { value: null, errors: [{ field: 'answer', key: 'selectionUnknown' }] };
  if (!page.settings?.multiple) {
    if (chosen.length !== 1) return { value: null, errors: [{ field: 'answer', key: chosen.length === 0 ? 'selectOne' : 'selectionUnknown' }] };
    return { value: chosen[0] as string, errors: [] };
  }
  if (chosen.length === 0) return { value: null, errors: [{ field: 'answer', key: page.settings.noneOfTheAbove ? 'selectSeveralOrNone' : 'selectSeveral' }] };
  if (chosen.includes(NONE_OF_THE_ABOVE) && chosen.length > 1) return { value: chosen, errors: [{ field: 'answer', key: 'noneAndOthers' }] };
  const order = [...allowed];
  return { value: chosen.sort((a, b) => order.indexOf(a) - order.indexOf(b)), errors: [] };
}

/** One text field named `answer`, checked by `check` (which gives an error key, or the value to keep). */
function readSingle(fields: SubmittedFields, options: { requiredKey: string; maxLength: number; check?: (value: string) => { key: string } | { value: string } }): ReadAnswer {
  const value = textOf(fields, 'answer');
  if (value === '') return { value: null, errors: [{ field: 'answer', key: options.requiredKey }] };
  if (value.length > options.maxLength) return { value, errors: [{ field: 'answer', key: 'tooLong', parameters: { max: options.maxLength } }] };
  const checked = options.check ? options.check(value) : { value };
  return 'key' in checked ? { value, errors: [{ field: 'answer', key: checked.key }] } : { value: checked.value, errors: [] };
}

function checkPhone(value: string): { key: string } | { value: string } {
  if (!/^[0-9 +()\-.]+$/.test(value) || value.lastIndexOf('+') > 0) return { key: 'phoneFormat' };
  const digits = value.replace(/[^0-9]/g, '').length;
  if (digits < TEXT_LIMITS.phoneDigits.min) return { key: 'phoneTooShort' };
  if (digits > TEXT_LIMITS.phoneDigits.max) return { key: 'phoneTooLong' };
  return { value };
}

function checkNumber(value: string): { key: string } | { value: string } {
  const plain = value.replace(/,/g, '');
  if (!NUMBER_PATTERN.test(plain)) return { key: 'numberFormat' };
  if (plain.replace(/[^0-9]/g, '').length > TEXT_LIMITS.numberDigits) return { key: 'numberTooLong' };
  return { value: plain };
}

function readTyped(page: FormPage, fields: SubmittedFields): ReadAnswer {
  switch (page.answerType) {
    case 'name':
      return readName(page, fields);
    case 'address':
      return readAddress(page, fields);
    case 'date':
      return readDate(page, fields);
    case 'selection':
      return readSelection(page, fields);
    case 'organisation_name':
      return readSingle(fields, { requiredKey: 'organisationName', maxLength: TEXT_LIMITS.singleLine });
    case 'email':
      return readSingle(fields, { requiredKey: 'email', maxLength: TEXT_LIMITS.email, check: (value) => (EMAIL_PATTERN.test(value) ? { value } : { key: 'emailFormat' }) });
    case 'phone_number':
      return readSingle(fields, { requiredKey: 'phone', maxLength: 30, check: checkPhone });
    case 'national_insurance_number':
      return readSingle(fields, {
        requiredKey: 'nationalInsurance',
        maxLength: 20,
        check: (value) => {
          const normalised = value.toUpperCase().replace(/[\s-]/g, '');
          return NI_PATTERN.test(normalised) ? { value: normalised } : { key: 'nationalInsuranceFormat' };
        },
      });
    case 'number':
      return readSingle(fields, { requiredKey: 'number', maxLength: 30, check: checkNumber });
    case 'text':
      return readSingle(fields, { requiredKey: 'text', maxLength: page.settings?.multiline ? TEXT_LIMITS.multiline : TEXT_LIMITS.singleLine });
    case 'file':
      // A file comes as an upload, not a field (files/answer-files.ts); a field alone is no file.
      return { value: null, errors: [{ field: 'answer', key: 'fileRequired' }] };
  }
}

/** The fields each answer type's form has, so an optional page knows when nothing was entered. */
function enteredNothing(fields: SubmittedFields): boolean {
  return Object.entries(fields).every(([name, value]) => name.startsWith('_') || (Array.isArray(value) ? value.length === 0 : (value ?? '').trim() === ''));
}

/**
 * Reads and checks one page's answer with the Design System's error message for each fault. An
 * optional question left empty is answered with no value.
 */
export function readAnswer(page: FormPage, fields: SubmittedFields): ReadAnswer {
  if (page.optional && enteredNothing(fields)) return { value: null, errors: [] };
  return readTyped(page, fields);
}
