import { CivitasError } from '../../platform/http/errors.ts';

/** Why the marketplace refused a request; `code` is stable, the message safe to show and log. */
export type MarketplaceErrorCode = 'marketplace.RECORD_NOT_FOUND' | 'marketplace.INVALID_QUERY';

export class MarketplaceError extends CivitasError {
  declare readonly code: MarketplaceErrorCode;

  constructor(code: MarketplaceErrorCode, message: string) {
    super({ code, statusCode: code === 'marketplace.RECORD_NOT_FOUND' ? 404 : 400, message });
    this.name = 'MarketplaceError';
  }
}
