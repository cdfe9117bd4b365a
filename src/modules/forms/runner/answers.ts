/** A name as the person gave it: the full name, or first and last, with a title if asked. */
export type NameAnswer = { title?: string; firstName?: string; lastName?: string; fullName?: string };
export type UkAddressAnswer = { line1: string; line2?: string; town: string; county?: string; postcode: string };
export type InternationalAddressAnswer = { address: string; country: string };
/** A file kept with the answers (in forms_file); the answer names it. */
export type FileAnswer = { fileId: string; filename: string; size: number; mediaType: string };

/** One answer to one question: text (email, number, a date as YYYY-MM-DD...), the selections, or the parts of a name or address. */
export type AnswerValue = string | string[] | NameAnswer | UkAddressAnswer | InternationalAddressAnswer | FileAnswer;

/**
 * The answers to one page: one value (none when an optional question was skipped), or several
 * for a repeatable question; `complete` once the person has moved on from it (for a repeatable
 * question, once they said they have no more to add).
 */
export type PageAnswer = { values: AnswerValue[]; complete: boolean };

/** Every page's answers, by page id. */
export type Answers = Record<string, PageAnswer>;

/** A field's fault: the message key under `forms.errors.` and its parameters. */
export type FieldError = { field: string; key: string; parameters?: Record<string, string | number> };

/** What a page's form sent, field by field. */
export type SubmittedFields = Record<string, string | string[] | undefined>;

/** The most answers a repeatable question takes. */
export const MAX_REPEATS = 50;

/**
 * An answer refused with errors, kept in the session for the page the person is redirected to
 * (post/redirect/get): which page (`step` and `item`), what they entered, and the errors.
 */
export type PendingAnswer = { step: 'question' | 'add-another' | 'remove'; pageId: string; item?: number; fields: SubmittedFields; errors: FieldError[] };
