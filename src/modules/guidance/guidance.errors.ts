import { CivitasError } from '../../platform/http/errors.ts';

/** Why guidance refused something; `code` is stable, the message safe to show and log. */
export type GuidanceErrorCode =
  | 'guidance.INVALID_PAGE'
  | 'guidance.TYPE_CHANGED'
  | 'guidance.PAGE_NOT_FOUND'
  | 'guidance.VERSION_NOT_FOUND'
  | 'guidance.VERSION_CONFLICT';

export class GuidanceError extends CivitasError {
  declare readonly code: GuidanceErrorCode;

  constructor(code: GuidanceErrorCode, message: string, statusCode = 400) {
    super({ code, statusCode, message });
    this.name = 'GuidanceError';
  }
}
