import { CivitasError } from '../../platform/http/errors.ts';
import type { DefinitionProblem } from './definition/definition-reader.ts';

/** Why Forms refused a change; `code` is stable, the message safe to show and log (no personal data). */
export type FormsErrorCode =
  | 'forms.INVALID_DEFINITION'
  | 'forms.SERVICE_NOT_FOUND'
  | 'forms.SLUG_TAKEN'
  | 'forms.FORM_NOT_FOUND'
  | 'forms.VERSION_NOT_DRAFT'
  | 'forms.DRAFT_CHANGED'
  | 'forms.FILE_NOT_FOUND';

export class FormsError extends CivitasError {
  declare readonly code: FormsErrorCode;
  /** For INVALID_DEFINITION: every problem found, by JSON path. */
  readonly problems: readonly DefinitionProblem[];

  constructor(code: FormsErrorCode, message: string, problems: readonly DefinitionProblem[] = []) {
    super({ code, statusCode: code === 'forms.FORM_NOT_FOUND' || code === 'forms.FILE_NOT_FOUND' ? 404 : 400, message });
    this.name = 'FormsError';
    this.problems = problems;
  }
}
