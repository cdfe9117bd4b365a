/** A name as the person gave it: the full name, or first and last, with a title if asked. */
export type NameAnswer = { title?: string; firstName?: string; lastName?: string; fullName?: string };
export type UkAddressAnswer = { line1: string; line2?: string; town: string; county?: string; postcode: string };
export type InternationalAddressAnswer = { address: string; country: string };
/** A file kept with the answers (in forms_file); the answer names it. */
export type FileAnswer = { fileId: string; filename: string; size: number; mediaType: string };

/** Why an eligibility check answered as it did. */
export type EligibilityReason = 'qualifying' | 'not-qualifying' | 'no-award' | 'consent-refused' | 'consent-withdrawn' | 'exchange-failed' | 'too-many-failed-matches';
/**
 * What an eligibility check found, kept as the second value of its page's answer (the first is
 * `eligible` or `not-eligible`, which routing reads): the service's answer as Exchange let it
 * through, the consent it was given under and the call's X-Road-Id.
 */
export type EligibilityEvidence = { kind: 'eligibility-evidence'; reason: EligibilityReason; service: string; checkedAt: string; award?: Record<string, unknown>; consentId?: string; xRoadId?: string };

/** One answer to one question: text (email, number, a date as YYYY-MM-DD...), the selections, or the parts of a name or address. */
export type AnswerValue = string | string[] | NameAnswer | UkAddressAnswer | InternationalAddressAnswer | FileAnswer | EligibilityEvidence;

/**
 * The answers to one page: one value (none when an optional question was skipped), or several
 * for a repeatable question; `complete` once the person has moved on from it (for a repeatable
 * question, once they said they have no more to add).
 */
export type PageAnswer = {
  values: AnswerValue[];
  complete: boolean;
  /** An eligibility check sent the person to the consent page with this state (answered once, then removed). */
  consentAsked?: { state: string; at: string };
};

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
