import { CivitasError } from '../../platform/http/errors.ts';

/** Why guidance refused something; `code` is stable, the message safe to show and log. */
export type GuidanceErrorCode =
  | 'guidance.INVALID_PAGE'
  | 'guidance.TYPE_CHANGED'
  | 'guidance.PAGE_NOT_FOUND'
  | 'guidance.VERSION_NOT_FOUND'
  | 'guidance.VERSION_CONFLICT';

/**
 * Which rule a page broke when it is refused with `guidance.INVALID_PAGE`: stable, so a form can put
 * the refusal on its field without reading the (English) message.
 */
export const PAGE_REFUSALS = [
  'SLUG_INVALID',
  'SLUG_RESERVED',
  'TITLE_MISSING',
  'TITLE_TOO_LONG',
  'DESCRIPTION_TOO_LONG',
  'TEXT_TOO_LONG',
  'NO_PARTS',
  'TOO_MANY_PARTS',
  'PART_TITLE_MISSING',
  'PART_SLUG_INVALID',
  'PARTS_SAME_SLUG',
  'ANSWER_EMPTY',
  'NO_STEPS',
  'TOO_MANY_STEPS',
  'STEP_TITLE_MISSING',
  'FIRST_STEP_JOINED',
] as const;
export type PageRefusal = (typeof PAGE_REFUSALS)[number];

export class GuidanceError extends CivitasError {
  declare readonly code: GuidanceErrorCode;
  /** For `guidance.INVALID_PAGE`: the rule the page broke. */
  readonly refusal?: PageRefusal;

  constructor(code: GuidanceErrorCode, message: string, statusCode = 400, refusal?: PageRefusal) {
    super({ code, statusCode, message });
    this.name = 'GuidanceError';
    if (refusal) this.refusal = refusal;
  }
}
