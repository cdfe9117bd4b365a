/**
 * The form definition: the one format a form is kept, imported and exported in (documented by
 * docs/forms/form-definition.schema.json). Version 1. Every text a person reads is given in
 * English and, when the form is offered in Welsh, in Welsh.
 */
export const FORM_DEFINITION_FORMAT = 'civitas-form';
export const FORM_DEFINITION_VERSION = 1;

/** GOV.UK Forms' answer types (forms-admin's `Page::ANSWER_TYPES`). */
export const ANSWER_TYPES = [
  'name',
  'organisation_name',
  'email',
  'phone_number',
  'national_insurance_number',
  'address',
  'date',
  'selection',
  'number',
  'text',
  'file',
] as const;
export type AnswerType = (typeof ANSWER_TYPES)[number];

export const LANGUAGES = ['en', 'cy'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A text in each language the form is offered in; English always. */
export type LocalisedText = { en: string; cy?: string };

export const SIGN_IN_LEVELS = ['Cl', 'Cl.Cm'] as const;
export type SignInLevel = (typeof SIGN_IN_LEVELS)[number];

/** Paths under /forms that are Forms' own, so no form may have them as its slug. */
export const RESERVED_SLUGS = ['files', 'submissions', 'sign-in', 'signed-out'] as const;

/** The kinds of file a file question may take (GOV.UK Forms' list, less the formats nobody can check by their content). */
export const FILE_TYPES = ['pdf', 'jpg', 'png', 'docx', 'xlsx', 'odt', 'csv', 'txt'] as const;
export type FileType = (typeof FILE_TYPES)[number];
/** GOV.UK Forms takes files up to 7 MB; a question may ask for less. */
export const MAX_FILE_MEGABYTES = 7;

export type SelectionOption = { value: string; label: LocalisedText };

export type AnswerSettings = {
  /** name: one field for the full name, or first and last name; with an optional title. */
  nameInput?: 'full' | 'first_and_last';
  nameTitle?: boolean;
  /** address: a UK address (postcode) or an international one. */
  addressKind?: 'uk' | 'international';
  /** date: a date of birth must be in the past (and asks for the birthday autocomplete). */
  dateOfBirth?: boolean;
  /** selection: radios for one answer, checkboxes for several. */
  multiple?: boolean;
  options?: SelectionOption[];
  /** selection: adds "None of the above" (answer value `none`). */
  noneOfTheAbove?: boolean;
  /** text: a multi-line answer (4,999 characters) instead of a single line (499). */
  multiline?: boolean;
  /** file: the kinds of file taken (every kind if unset) and the largest, in MB (7 if unset). */
  fileTypes?: FileType[];
  maxSizeMb?: number;
};

/** Where a selection answer sends the person: a later page, check your answers, or an exit page. */
export type Route = { answer: string; goTo: string };

export const CHECK_ANSWERS = 'check-answers';
export const NONE_OF_THE_ABOVE = 'none';

export type FormPage = {
  id: string;
  answerType: AnswerType;
  question: LocalisedText;
  hint?: LocalisedText;
  /** Markdown subset: headings, paragraphs, lists, links, bold. */
  guidance?: LocalisedText;
  optional?: boolean;
  /** "Add another": the person may give several answers to the question. */
  repeatable?: boolean;
  settings?: AnswerSettings;
  routes?: Route[];
  /** This page is not a question: it checks eligibility through Exchange with the person's consent (docs/forms/eligibility-check.md). */
  eligibilityCheck?: EligibilityCheck;
};

/** The answers an eligibility check page records: routing may send `eligible` past the questions it makes unneeded. */
export const ELIGIBILITY_OUTCOMES = ['eligible', 'not-eligible'] as const;
export type EligibilityOutcome = (typeof ELIGIBILITY_OUTCOMES)[number];

/** One condition on the service's answer: the field (a JSON path such as `$.rate.mobility`) is one of the values. */
export type EligibilityCondition = { field: string; oneOf: string[] };

/**
 * A check of the person's eligibility through Exchange: the consumer subsystem (`client`) asks
 * the person's consent on Civitas's consent page, then calls `service` at `path` (where
 * `{reference}` is the answer to `referencePage`, with `dateOfBirth` (the answer to
 * `dateOfBirthPage`) and `name` (the answer to `namePage`, when named) as query parameters, so the
 * service can answer only when its record is of the person who asks) with the person's
 * X-Road-UserId. `eligible` when every condition holds, else `not-eligible`.
 */
export type EligibilityCheck = { client: string; service: string; path: string; referencePage: string; dateOfBirthPage: string; namePage?: string; eligibleWhen: EligibilityCondition[] };

export type ExitPage = { id: string; heading: LocalisedText; body: LocalisedText };

export type SupportContacts = { email?: string; phone?: LocalisedText; url?: string; urlText?: LocalisedText };

export type FormSettings = {
  languages: Language[];
  declaration?: LocalisedText;
  whatHappensNext: LocalisedText;
  privacyUrl: string;
  support: SupportContacts;
  /** Where each submission is emailed to the form's team (through Notify). */
  submissionEmail?: string;
  /** `#` is a random character (no 0, O, 1 or I); anything else is kept as written. */
  referenceFormat: string;
  /** How many days submissions (answers and files) are kept, 30 unless set. */
  retentionDays?: number;
  /** The person signs in with One Login first, at this level (none if unset); email and phone are prefilled. */
  signIn?: SignInLevel;
  /** Where each submission is POSTed as signed JSON (`forms webhook-secret` shows the signing secret). */
  webhookUrl?: string;
  /** The person pays this through Pay's pages after the declaration; the submission is kept once Pay says it succeeded. */
  payment?: PaymentSetting;
};

/** What a form charges: `amount` in pence; the descriptions are what Pay's pages and the team see. */
export type PaymentSetting = { amount: number; description: string; descriptionCy?: string };

export type FormDefinition = {
  format: typeof FORM_DEFINITION_FORMAT;
  formatVersion: typeof FORM_DEFINITION_VERSION;
  slug: string;
  name: LocalisedText;
  settings: FormSettings;
  pages: FormPage[];
  exitPages: ExitPage[];
};

/** The bounds every definition keeps to, so no form can make a page or a submission unbounded. */
export const DEFINITION_LIMITS = {
  bytes: 1_000_000,
  pages: 200,
  exitPages: 50,
  options: 1_000,
  routesPerPage: 100,
  idLength: 64,
  slugLength: 100,
  shortText: 500,
  longText: 5_000,
  urlLength: 2_000,
  referenceLength: 30,
  referenceRandomCharacters: 6,
  /** Pay's own bounds on a payment's amount (pence) and description. */
  paymentAmount: 10_000_000,
  paymentDescription: 255,
} as const;

export const DEFAULT_REFERENCE_FORMAT = '########';
export const DEFAULT_RETENTION_DAYS = 30;
export const MAX_RETENTION_DAYS = 3650;
