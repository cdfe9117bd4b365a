import { CivitasError } from '../../platform/http/errors.ts';

/** Why the console refused a change; `code` is stable, the message safe to show and log (no personal data). */
export type ConsoleErrorCode =
  | 'console.INVALID_NAME'
  | 'console.INVALID_EMAIL'
  | 'console.INVALID_TYPE'
  | 'console.INVALID_SLUG'
  | 'console.INVALID_ROLE'
  | 'console.ORGANISATION_NOT_FOUND'
  | 'console.MEMBER_NOT_FOUND'
  | 'console.INVITATION_NOT_FOUND'
  | 'console.LAST_OWNER'
  | 'console.OPERATOR_EXISTS'
  | 'console.OPERATOR_NOT_FOUND'
  | 'console.OPERATOR_SELF'
  | 'console.LAST_OPERATOR'
  | 'console.COMPONENT_NOT_FOUND';

export class ConsoleError extends CivitasError {
  declare readonly code: ConsoleErrorCode;

  constructor(code: ConsoleErrorCode, message: string, statusCode = 400) {
    super({ code, statusCode, message });
    this.name = 'ConsoleError';
  }
}
