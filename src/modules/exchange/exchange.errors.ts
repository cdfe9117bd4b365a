import { CivitasError } from '../../platform/http/errors.ts';

/** Why Exchange refused a change to its registry; `code` is stable, the message safe to show and log. */
export type ExchangeErrorCode =
  | 'exchange.INVALID_IDENTIFIER'
  | 'exchange.ORGANISATION_NOT_FOUND'
  | 'exchange.MEMBER_NOT_FOUND'
  | 'exchange.MEMBER_EXISTS'
  | 'exchange.MEMBER_NOT_PENDING'
  | 'exchange.INVALID_REASON'
  | 'exchange.SUBSYSTEM_NOT_FOUND'
  | 'exchange.SUBSYSTEM_EXISTS'
  | 'exchange.INVALID_PUBLIC_KEY'
  | 'exchange.KEY_EXISTS'
  | 'exchange.KEY_NOT_FOUND'
  | 'exchange.LAST_KEY'
  | 'exchange.SERVICE_NOT_FOUND'
  | 'exchange.SERVICE_EXISTS'
  | 'exchange.INVALID_URL'
  | 'exchange.BASE_URL_TAKEN'
  | 'exchange.REGISTRY_BUSY'
  | 'exchange.INVALID_OPENAPI'
  | 'exchange.INVALID_ENDPOINT'
  | 'exchange.ACCESS_RIGHT_NOT_FOUND'
  | 'exchange.INVALID_AGREEMENT'
  | 'exchange.AGREEMENT_NOT_FOUND'
  | 'exchange.AGREEMENT_STATE'
  | 'exchange.INVALID_CONSUMER_LINK'
  | 'exchange.INVALID_RETENTION'
  | 'exchange.PAYLOAD_NOT_FOUND';

export class ExchangeError extends CivitasError {
  declare readonly code: ExchangeErrorCode;

  constructor(code: ExchangeErrorCode, message: string, statusCode = 400) {
    super({ code, statusCode, message });
    this.name = 'ExchangeError';
  }
}
