import type { Translate } from '../../../platform/http/i18n.ts';
import { NONE_OF_THE_ABOVE, type FormPage, type LocalisedText } from '../definition/form-definition.ts';
import { FILE_KINDS, listFileKinds } from '../files/file-kinds.ts';
import { FILE_TYPES } from '../definition/form-definition.ts';
import type { AnswerValue, FieldError, FileAnswer, InternationalAddressAnswer, NameAnswer, SubmittedFields, UkAddressAnswer } from './answers.ts';
import { renderGuidance } from './guidance-markdown.ts';
import { TEXT_LIMITS } from './read-answer.ts';

export type Language = 'en' | 'cy';

/** Past this many options a single choice is a select (the no-JavaScript form of the autocomplete pattern), not radios. */
export const LONG_LIST = 30;

export function textIn(text: LocalisedText | undefined, language: Language): string {
  return text ? (language === 'cy' ? (text.cy ?? text.en) : text.en) : '';
}

/** A text field of a question that has several (a name, an address). */
type PartField = { name: string; label: string; autocomplete?: string; classes?: string; value: string; error?: string; multiline?: boolean };

/** What the question page template needs to show one question. */
export type QuestionView = {
  kind: 'input' | 'textarea' | 'parts' | 'date' | 'radios' | 'checkboxes' | 'select' | 'file';
  question: string;
  hint?: string;
  guidanceHtml?: string;
  input?: { type: string; autocomplete?: string; inputmode?: string; spellcheck?: boolean; classes?: string; maxlength?: number };
  value?: string;
  error?: string;
  parts?: PartField[];
  date?: { day: string; month: string; year: string; errorPart?: string; autocomplete: boolean };
  choices?: Array<{ value: string; text: string; checked: boolean }>;
  noneOfTheAbove?: { text: string; checked: boolean };
  /** file: the file given before (choosing none keeps it), and the kinds the picker offers. */
  file?: { uploaded?: string; accept: string };
};

/** The form fields that show a stored answer again, as the page's form would have sent them. */
export function fieldsOfValue(page: FormPage, value: AnswerValue | undefined): SubmittedFields {
  if (value === undefined) return {};
  if (page.answerType === 'file') return { uploaded: (value as FileAnswer).filename };
  if (page.answerType === 'selection') return { answer: value as string | string[] };
  if (page.answerType === 'date' && typeof value === 'string') {
    const [year, month, day] = value.split('-');
    return { day: String(Number(day)), month: String(Number(month)), year };
  }
  if (page.answerType === 'name') {
    const name = value as NameAnswer;
    return { title: name.title, first_name: name.firstName, last_name: name.lastName, full_name: name.fullName };
  }
  if (page.answerType === 'address') {
    if (page.settings?.addressKind === 'international') return { ...(value as InternationalAddressAnswer) };
    const address = value as UkAddressAnswer;
    return { address_line_1: address.line1, address_line_2: address.line2, town: address.town, county: address.county, postcode: address.postcode };
  }
  return { answer: value as string };
}

const SINGLE_INPUTS: Partial<Record<FormPage['answerType'], NonNullable<QuestionView['input']>>> = {
  organisation_name: { type: 'text', autocomplete: 'organization', maxlength: undefined },
  email: { type: 'email', autocomplete: 'email', spellcheck: false },
  phone_number: { type: 'tel', autocomplete: 'tel', classes: 'govuk-input--width-20' },
  national_insurance_number: { type: 'text', spellcheck: false, classes: 'govuk-input--width-10 govuk-input--extra-letter-spacing' },
  number: { type: 'text', inputmode: 'decimal', spellcheck: false, classes: 'govuk-input--width-10' },
  text: { type: 'text' },
};

function partsOf(page: FormPage, t: Translate): Array<Omit<PartField, 'value' | 'error'>> {
  if (page.answerType === 'name') {
    const title = page.settings?.nameTitle ? [{ name: 'title', label: t('forms.fields.title'), autocomplete: 'honorific-prefix', classes: 'govuk-input--width-5' }] : [];
    return page.settings?.nameInput === 'first_and_last'
      ? [...title, { name: 'first_name', label: t('forms.fields.firstName'), autocomplete: 'given-name' }, { name: 'last_name', label: t('forms.fields.lastName'), autocomplete: 'family-name' }]
      : [...title, { name: 'full_name', label: t('forms.fields.fullName'), autocomplete: 'name' }];
  }
  if (page.settings?.addressKind === 'international') {
    return [
      { name: 'address', label: t('forms.fields.internationalAddress'), autocomplete: 'street-address', multiline: true },
      { name: 'country', label: t('forms.fields.country'), autocomplete: 'country-name', classes: 'govuk-!-width-two-thirds' },
    ];
  }
  return [
    { name: 'address_line_1', label: t('forms.fields.addressLine1'), autocomplete: 'address-line1' },
    { name: 'address_line_2', label: t('forms.fields.addressLine2'), autocomplete: 'address-line2' },
    { name: 'town', label: t('forms.fields.town'), autocomplete: 'address-level2', classes: 'govuk-!-width-two-thirds' },
    { name: 'county', label: t('forms.fields.county'), classes: 'govuk-!-width-two-thirds' },
    { name: 'postcode', label: t('forms.fields.postcode'), autocomplete: 'postal-code', classes: 'govuk-input--width-10' },
  ];
}

function text(fields: SubmittedFields, name: string): string {
  const value = fields[name];
  return typeof value === 'string' ? value : '';
}

/** The view of one question with what the person entered (or gave before) and the errors to show. */
export function describeQuestion(input: { page: FormPage; language: Language; t: Translate; fields: SubmittedFields; errors: FieldError[] }): QuestionView {
  const { page, language, t, fields, errors } = input;
  const messageOf = (field: string) => {
    const error = errors.find((candidate) => candidate.field === field);
    return error ? t(`forms.errors.${error.key}`, error.parameters) : undefined;
  };
  const question = `${textIn(page.question, language)}${page.optional ? ` ${t('forms.optionalSuffix')}` : ''}`;
  const base = {
    question,
    ...(page.hint ? { hint: textIn(page.hint, language) } : {}),
    ...(page.guidance ? { guidanceHtml: renderGuidance(textIn(page.guidance, language)) } : {}),
  };
  switch (page.answerType) {
    case 'name':
    case 'address':
      return { ...base, kind: 'parts', parts: partsOf(page, t).map((part) => ({ ...part, value: text(fields, part.name), error: messageOf(part.name) })) };
    case 'date': {
      const error = errors[0];
      return {
        ...base,
        kind: 'date',
        date: { day: text(fields, 'day'), month: text(fields, 'month'), year: text(fields, 'year'), autocomplete: page.settings?.dateOfBirth === true, ...(error ? { errorPart: error.field } : {}) },
        error: error ? t(`forms.errors.${error.key}`, error.parameters) : undefined,
      };
    }
    case 'file': {
      const types = page.settings?.fileTypes ?? FILE_TYPES;
      const error = errors[0];
      const parameters = error?.key === 'fileType' ? { types: listFileKinds(types, t('forms.or')) } : error?.parameters;
      return {
        ...base,
        kind: 'file',
        file: { ...(typeof fields.uploaded === 'string' ? { uploaded: fields.uploaded } : {}), accept: types.flatMap((type) => FILE_KINDS[type].extensions.map((extension) => `.${extension}`)).join(',') },
        error: error ? t(`forms.errors.${error.key}`, parameters) : undefined,
      };
    }
    case 'selection': {
      const chosen = new Set([fields.answer ?? []].flat());
      return {
        ...base,
        kind: page.settings?.multiple ? 'checkboxes' : (page.settings?.options?.length ?? 0) > LONG_LIST ? 'select' : 'radios',
        choices: (page.settings?.options ?? []).map((option) => ({ value: option.value, text: textIn(option.label, language), checked: chosen.has(option.value) })),
        ...(page.settings?.noneOfTheAbove ? { noneOfTheAbove: { text: t('forms.noneOfTheAbove'), checked: chosen.has(NONE_OF_THE_ABOVE) } } : {}),
        error: messageOf('answer'),
      };
    }
    default: {
      const multiline = page.answerType === 'text' && page.settings?.multiline === true;
      return {
        ...base,
        kind: multiline ? 'textarea' : 'input',
        input: { ...(SINGLE_INPUTS[page.answerType] ?? { type: 'text' }), ...(multiline ? { maxlength: TEXT_LIMITS.multiline } : {}) },
        value: text(fields, 'answer'),
        error: messageOf('answer'),
      };
    }
  }
}
