import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { Caller } from '../accounts/account.service.ts';
import { notFound, PayApiError } from '../pay.errors.ts';
import { generatePayId, PAY_ID_PATTERN } from '../pay-id.ts';
import { presentAgreement, type AgreementJson } from './agreement-json.ts';
import type { AgreementRow, AgreementSearchFilter, AgreementStore } from './agreement.store.ts';

export type CreateAgreementRequest = { reference: string; description: string; userIdentifier?: string };

/** Pay's words for an account that does not take recurring payments (pay-publicapi RequestError P0942). */
export function recurringPaymentsDisabled(): PayApiError {
  return new PayApiError({
    statusCode: 422,
    code: 'P0942',
    description:
      'Recurring card payments are currently disabled for this service. Contact support with your error code - https://www.payments.service.gov.uk/support/',
  });
}

/**
 * Agreements for recurring card payments, as GOV.UK Pay's connector keeps them: made by the
 * service, set up by a payment (see the payment service), cancelled by the service. An agreement
 * belongs to one account and one mode (test or live): to anyone else it does not exist.
 */
export function createAgreementService(dependencies: {
  db: Database;
  agreements: AgreementStore;
  audit: AuditService;
  clock: () => Date;
}) {
  const { db, agreements, audit, clock } = dependencies;

  const isOwnedBy = (row: AgreementRow, caller: Pick<Caller, 'accountId' | 'live'>) =>
    row.account_id === caller.accountId && row.live === (caller.live ? 1 : 0);

  /** The caller's agreement, or undefined: ids that cannot be ours are not looked up. */
  async function findOwned(caller: Pick<Caller, 'accountId' | 'live'>, id: string): Promise<AgreementRow | undefined> {
    const row = PAY_ID_PATTERN.test(id) ? await agreements.findAgreement(db, id) : undefined;
    return row && isOwnedBy(row, caller) ? row : undefined;
  }

  async function present(rows: readonly AgreementRow[]): Promise<AgreementJson[]> {
    const instrumentIds = rows.flatMap((row) => (row.payment_instrument_id ? [row.payment_instrument_id] : []));
    const cards = await agreements.listInstrumentCards(db, instrumentIds);
    return rows.map((row) => presentAgreement(row, row.payment_instrument_id ? cards.get(row.payment_instrument_id) : undefined));
  }

  return {
    async create(input: { caller: Caller; request: CreateAgreementRequest; requestId?: string }): Promise<AgreementJson> {
      const { caller, request } = input;
      if (!caller.recurringEnabled) throw recurringPaymentsDisabled();
      const now = clock().toISOString();
      const row: AgreementRow = {
        id: generatePayId(),
        account_id: caller.accountId,
        live: caller.live ? 1 : 0,
        reference: request.reference,
        description: request.description,
        user_identifier: request.userIdentifier ?? null,
        status: 'created',
        payment_instrument_id: null,
        created_at: now,
        updated_at: now,
        cancelled_at: null,
      };
      await db.transaction().execute(async (transaction) => {
        await agreements.insertAgreement(transaction, row);
        await audit.record(
          {
            actor: `pay-key:${caller.keyId}`,
            action: 'pay.agreement.created',
            subject: `pay-agreement:${row.id}`,
            outcome: 'success',
            requestId: input.requestId,
          },
          transaction,
        );
      });
      return presentAgreement(row, undefined);
    },

    async get(caller: Caller, id: string): Promise<AgreementJson> {
      const row = await findOwned(caller, id);
      if (!row) throw notFound('P2200');
      const [json] = await present([row]);
      return json as AgreementJson;
    },

    /** The description of the agreement a payment sets up, shown on its payment pages. */
    async findDescription(id: string): Promise<string | undefined> {
      return (await agreements.findAgreement(db, id))?.description;
    },

    async search(filter: AgreementSearchFilter, page: { offset: number; limit: number }): Promise<{ total: number; results: AgreementJson[] }> {
      const { total, rows } = await agreements.searchAgreements(db, filter, page);
      return { total, results: await present(rows) };
    },

    /**
     * Cancels an active agreement (and its card), as Pay's connector: one that is not the
     * caller's is 404 P2500; one not active (never set up, already cancelled or inactive) is
     * 400 P2501. Of two cancellations at once, one succeeds and the other is 400 P2501.
     */
    async cancel(input: { caller: Caller; id: string; requestId?: string }): Promise<void> {
      const found = await findOwned(input.caller, input.id);
      if (!found) throw notFound('P2500');
      const at = clock().toISOString();
      await db.transaction().execute(async (transaction) => {
        await agreements.findAgreementForUpdate(transaction, found.id);
        const cancelled = await agreements.cancelAgreement(transaction, { id: found.id, at });
        if (!cancelled) throw new PayApiError({ statusCode: 400, code: 'P2501', description: 'Cancellation of agreement failed' });
        await audit.record(
          {
            actor: `pay-key:${input.caller.keyId}`,
            action: 'pay.agreement.cancelled',
            subject: `pay-agreement:${found.id}`,
            outcome: 'success',
            requestId: input.requestId,
          },
          transaction,
        );
      });
    },
  };
}

export type AgreementService = ReturnType<typeof createAgreementService>;
