import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../../platform/db/database.ts';
import { isDatabaseUnavailable } from '../../../platform/db/database-unavailable.ts';
import type { JobQueue } from '../../../platform/jobs/job-queue.ts';
import type { Caller } from '../accounts/account.service.ts';
import { canonicaliseJson, type PermittedPaymentRequest } from '../api/create-payment.request.ts';
import { detectCardBrand, passesLuhnCheck } from '../cards/card-number.ts';
import type { IdempotencyStore } from '../idempotency/idempotency.store.ts';
import type { PaymentEventRecorder } from '../ledger/payment-events.ts';
import type { LedgerEntryRow, LedgerStore } from '../ledger/ledger.store.ts';
import { accountNotConfigured, notFound, PayApiError } from '../pay.errors.ts';
import { generatePayId, PAY_ID_PATTERN } from '../pay-id.ts';
import type {
  AuthorisationOutcome,
  CardForAuthorisation,
  PaymentProvider,
  PaymentProviders,
} from '../providers/payment-provider.ts';
import { createGroupCommit, type GroupCommit } from '../../../platform/db/group-commit.ts';
import type { DisputeService } from '../disputes/dispute.service.ts';
import type { AgreementRow, AgreementStore, PaymentInstrumentRow } from '../agreements/agreement.store.ts';
import type { ServiceEventRecorder } from '../../../platform/events/service-events.ts';
import type { NextUrlTokens } from './next-url-token.ts';
import { recordPaymentsForInsight } from './payment-insight.ts';
import { holdsAuthorisation } from './payment-json.ts';
import {
  EXPIRABLE_STATUSES,
  FAILURE_CODES,
  PAYMENT_LIFETIME_MS,
  SERVICE_CANCELLABLE_STATUSES,
  USER_CANCELLABLE_STATUSES,
  type ExternalStatus,
  type PaymentStatus,
} from './payment-state.ts';
import type { PaymentRow, PaymentSearchFilter, PaymentStore } from './payment.store.ts';

export const CAPTURE_JOB = 'pay.capture';
export const CANCEL_AUTHORISATION_JOB = 'pay.cancel-authorisation';
export const SEND_CONFIRMATION_JOB = 'pay.send-confirmation';
/** Authorises a payment made with `authorisation_mode: agreement`, without the paying user. */
export const AUTHORISE_AGREEMENT_PAYMENT_JOB = 'pay.authorise-agreement-payment';
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const EXPIRY_BATCH = 100;
/** Tries to record a provider's answer while the database is unavailable, and the longest pause between them (about 10 s in all). */
const RECORDING_TRIES = 8;
const RECORDING_LONGEST_PAUSE_MS = 2000;

/** Thrown inside a transaction when its idempotency key is taken: the transaction rolls back. */
class IdempotencyKeyTaken extends Error {}

export type PaymentEventJson = { status: ExternalStatus; finished: boolean; code: string | null; at: string };

/** What the paying user entered on the card details page, checked, with the card in full. */
export type SubmittedCard = CardForAuthorisation & { email: string };

export type CardOutcome =
  | { kind: 'authorised' | 'three_ds_required' | 'rejected' | 'error'; payment: PaymentRow; challenge?: { kind: 'sandbox' } | { kind: 'redirect'; url: string } }
  /** The payment was not waiting for card details (another tab, a double click, or it expired). */
  | { kind: 'not_ready'; payment: PaymentRow };


export function createPaymentService(dependencies: {
  db: Database;
  payments: PaymentStore;
  agreements: AgreementStore;
  ledger: LedgerStore;
  idempotency: IdempotencyStore;
  events: PaymentEventRecorder;
  jobs: JobQueue;
  audit: AuditService;
  providers: PaymentProviders;
  clock: () => Date;
  logger: Logger;
  /** Shares commits between payments created at the same moment. */
  writes?: GroupCommit;
  nextUrlTokens: NextUrlTokens;
  /** Opens the dispute a sandbox test card simulates, in the capture's transaction. */
  disputes?: Pick<DisputeService, 'openSimulated'>;
  /** Told of each payment created, succeeded, failed or abandoned, after the change commits. */
  serviceEvents?: ServiceEventRecorder;
}) {
  const { nextUrlTokens } = dependencies;
  const { payments, agreements, ledger, idempotency, jobs, audit, providers, clock } = dependencies;
  const logger = dependencies.logger.child({ component: 'pay-payments' });
  const { db, events } = dependencies.serviceEvents
    ? recordPaymentsForInsight({
        db: dependencies.db,
        events: dependencies.events,
        serviceEvents: dependencies.serviceEvents,
        onRefused: (error) => logger.warn({ err: error }, 'payment not recorded for Insight'),
      })
    : dependencies;
  const writes = dependencies.writes ?? createGroupCommit(db);

  function providerFor(payment: Pick<PaymentRow, 'provider'>): PaymentProvider {
    const provider = providers.get(payment.provider);
    if (!provider) throw new Error(`no payment provider called ${payment.provider}`);
    return provider;
  }

  async function insertPayment(transaction: Executor, row: PaymentRow): Promise<void> {
    await payments.insert(transaction, row);
    await events.record(transaction, { payment: row, eventType: 'created', at: row.created_at });
  }

  /** Expires the payment if its 90 minutes are up and it has not finished; returns it as it now is. */
  async function expireIfDue(row: PaymentRow): Promise<PaymentRow> {
    const now = clock().toISOString();
    if (!EXPIRABLE_STATUSES.includes(row.status) || row.expires_at > now) return row;
    const expired = await db.transaction().execute((transaction) => expireInTransaction(transaction, row.id, now));
    return expired ?? (await payments.find(db, row.id)) ?? row;
  }

  async function expireInTransaction(transaction: Executor, id: string, now: string): Promise<PaymentRow | undefined> {
    const before = await payments.find(transaction, id);
    if (!before || before.expires_at > now) return undefined;
    const expired = await payments.transition(transaction, {
      id,
      from: EXPIRABLE_STATUSES,
      set: { status: 'failed', failure_code: FAILURE_CODES.expired, updated_at: now },
    });
    if (!expired) return undefined;
    await events.record(transaction, { payment: expired, eventType: 'expired', webhook: 'card_payment_expired', at: now });
    if (before.status === 'authorised') {
      await jobs.enqueue(transaction, { type: CANCEL_AUTHORISATION_JOB, payload: { paymentId: id } });
    }
    return expired;
  }

  async function findOwned(caller: Caller, id: string, code: string): Promise<PaymentRow> {
    const row = PAY_ID_PATTERN.test(id) ? await payments.find(db, id) : undefined;
    if (!row || row.account_id !== caller.accountId || row.live !== (caller.live ? 1 : 0)) throw notFound(code);
    return row;
  }

  /**
   * Records what a provider did with a card. The provider holds an authorisation now: if the
   * database is unavailable at this moment (cut, restarting, failing over), the answer is
   * recorded as soon as it is back, for about 10 seconds, rather than lost (a payment left
   * `authorising` expires without its authorisation being released).
   */
  async function recordProviderAnswer<Result>(paymentId: string, record: () => Promise<Result>): Promise<Result> {
    for (let tries = 1; ; tries++) {
      try {
        const result = await record();
        if (tries > 1) logger.info({ paymentId, tries }, 'provider answer recorded once the database was back');
        return result;
      } catch (error) {
        if (!isDatabaseUnavailable(error) || tries >= RECORDING_TRIES) {
          logger.error({ paymentId }, 'provider answered but its answer could not be recorded');
          throw error;
        }
        if (tries === 1) logger.warn({ paymentId }, 'provider answered while the database is unavailable: recording it again shortly');
        await sleep(Math.min(RECORDING_LONGEST_PAUSE_MS, 100 * 2 ** tries));
      }
    }
  }

  /** Moves an `authorising` payment on with what the provider said, trying again while the database is unavailable. */
  async function applyAuthorisation(
    id: string,
    outcome: Exclude<AuthorisationOutcome, { outcome: 'three_ds_required' }> | Extract<AuthorisationOutcome, { outcome: 'three_ds_required' }>,
    cardFields: Partial<PaymentRow>,
    /** More to do in the same transaction once the payment has moved on (agreements). */
    alsoInTransaction?: (transaction: Executor, updated: PaymentRow) => Promise<void>,
  ): Promise<CardOutcome> {
    return recordProviderAnswer(id, () => applyAuthorisationOnce(id, outcome, cardFields, alsoInTransaction));
  }

  async function applyAuthorisationOnce(
    id: string,
    outcome: Exclude<AuthorisationOutcome, { outcome: 'three_ds_required' }> | Extract<AuthorisationOutcome, { outcome: 'three_ds_required' }>,
    cardFields: Partial<PaymentRow>,
    alsoInTransaction?: (transaction: Executor, updated: PaymentRow) => Promise<void>,
  ): Promise<CardOutcome> {
    const now = clock().toISOString();
    return db.transaction().execute(async (transaction) => {
      const common = { ...cardFields, provider_id: outcome.providerId ?? null, updated_at: now };
      let set: Partial<PaymentRow> & { status: PaymentStatus; updated_at: string };
      let eventType: string;
      let webhook: 'card_payment_failed' | undefined;
      switch (outcome.outcome) {
        case 'authorised':
          set = { ...common, status: 'authorised', ...(outcome.cardType ? { card_type: outcome.cardType } : {}) };
          eventType = 'authorised';
          break;
        case 'three_ds_required':
          set = { ...common, status: 'three_ds_required', three_d_secure_required: 1 };
          eventType = 'three_ds_required';
          break;
        case 'rejected':
          set = { ...common, status: 'failed', failure_code: FAILURE_CODES.rejected };
          eventType = `authorisation_rejected_${outcome.reason}`;
          webhook = 'card_payment_failed';
          break;
        default:
          set = { ...common, status: 'error', failure_code: FAILURE_CODES.providerError };
          eventType = 'authorisation_error';
          webhook = 'card_payment_failed';
      }
      const updated = await payments.transition(transaction, { id, from: ['authorising'], set });
      if (!updated) {
        const current = (await payments.find(transaction, id)) as PaymentRow;
        // Recorded already, by a try whose commit the database made but could not acknowledge.
        if (outcome.providerId && current.provider_id === outcome.providerId && current.status === set.status) {
          return outcome.outcome === 'three_ds_required'
            ? { kind: outcome.outcome, payment: current, challenge: outcome.challenge }
            : { kind: outcome.outcome, payment: current };
        }
        // It expired while the provider was answering: release anything the provider holds.
        if (outcome.outcome === 'authorised') {
          await jobs.enqueue(transaction, { type: CANCEL_AUTHORISATION_JOB, payload: { paymentId: id } });
        }
        return { kind: 'not_ready', payment: current };
      }
      await events.record(transaction, { payment: updated, eventType, webhook, at: now });
      // The card of a payment that sets up an agreement is kept, not yet used: it becomes the
      // agreement's once the payment succeeds (confirmAuthorised).
      if (outcome.outcome === 'authorised' && outcome.recurringToken && updated.save_to_agreement === 1 && updated.agreement_id) {
        await agreements.insertInstrument(transaction, {
          id: generatePayId(),
          agreement_id: updated.agreement_id,
          payment_id: updated.id,
          status: 'created',
          provider: updated.provider,
          token: outcome.recurringToken,
          card_first_digits: updated.card_first_digits,
          card_last_digits: updated.card_last_digits,
          card_brand: updated.card_brand,
          card_type: updated.card_type,
          card_expiry: updated.card_expiry,
          cardholder_name: updated.cardholder_name,
          billing_address: updated.billing_address,
          created_at: now,
          updated_at: now,
        });
      }
      await alsoInTransaction?.(transaction, updated);
      const kind = outcome.outcome;
      return outcome.outcome === 'three_ds_required'
        ? { kind, payment: updated, challenge: outcome.challenge }
        : { kind, payment: updated };
    });
  }

  /** The payment is authorised and confirmed: it succeeds (and is captured), or waits for the service's capture. */
  async function confirmAuthorised(id: string): Promise<PaymentRow | undefined> {
    const now = clock().toISOString();
    return db.transaction().execute(async (transaction) => {
      const current = await payments.find(transaction, id);
      if (!current) return undefined;
      const delayed = current.delayed_capture === 1;
      const confirmed = await payments.transition(transaction, {
        id,
        from: ['authorised'],
        set: delayed
          ? { status: 'capturable', updated_at: now }
          : { status: 'success', capture_submitted_at: now, updated_at: now },
      });
      if (!confirmed) return undefined;
      await events.record(transaction, {
        payment: confirmed,
        eventType: delayed ? 'awaiting_capture' : 'capture_submitted',
        webhook: 'card_payment_succeeded',
        at: now,
      });
      if (!delayed) await jobs.enqueue(transaction, { type: CAPTURE_JOB, payload: { paymentId: id } });
      // As Pay's connector once a set-up payment may be captured: its card becomes the
      // agreement's (replacing any other), and the agreement is active.
      if (confirmed.save_to_agreement === 1 && (await agreements.activateInstrument(transaction, { paymentId: id, at: now }))) {
        await audit.record(
          {
            actor: `pay-payment:${id}`,
            action: 'pay.agreement.set-up',
            subject: `pay-agreement:${confirmed.agreement_id}`,
            outcome: 'success',
          },
          transaction,
        );
      }
      if (confirmed.email) await jobs.enqueue(transaction, { type: SEND_CONFIRMATION_JOB, payload: { paymentId: id } });
      return confirmed;
    });
  }

  /** What is kept of a card: its first 6 and last 4 digits, brand, expiry and holder's name. */
  function describeCard(card: CardForAuthorisation): Partial<PaymentRow> {
    return {
      card_first_digits: card.number.slice(0, 6),
      card_last_digits: card.number.slice(-4),
      card_brand: detectCardBrand(card.number) ?? null,
      card_expiry: `${String(card.expiryMonth).padStart(2, '0')}/${String(card.expiryYear % 100).padStart(2, '0')}`,
      cardholder_name: card.cardholderName,
    };
  }

  /** The provider's answer for a claimed payment; a provider that throws has errored (P0050). */
  async function authoriseWithProvider(claimed: PaymentRow, card: CardForAuthorisation): Promise<AuthorisationOutcome> {
    try {
      return await providerFor(claimed).authorise({
        paymentId: claimed.id,
        amount: claimed.amount,
        description: claimed.description,
        live: claimed.live === 1,
        moto: claimed.moto === 1,
        ...(claimed.save_to_agreement === 1 ? { saveForRecurring: true } : {}),
        card,
      });
    } catch {
      logger.warn({ paymentId: claimed.id }, 'payment provider failed to authorise');
      return { outcome: 'error', providerId: null };
    }
  }

  /**
   * As Pay's connector, when a payment names an agreement (`set_up_agreement` or `agreement_id`):
   * one that is not the caller's (another account's, or of the other mode) does not exist
   * (400 P0102 on `agreement_id`, the field Pay names for both); a payment authorised with it
   * needs it active (400 P0102 "Agreement must be active").
   */
  async function checkAgreement(transaction: Executor, caller: Caller, request: PermittedPaymentRequest): Promise<void> {
    const id = request.setUpAgreement ?? request.agreementId;
    if (id === undefined) return;
    const agreement = PAY_ID_PATTERN.test(id) ? await agreements.findAgreement(transaction, id) : undefined;
    if (!agreement || agreement.account_id !== caller.accountId || agreement.live !== (caller.live ? 1 : 0)) {
      throw new PayApiError({
        statusCode: 400,
        code: 'P0102',
        field: 'agreement_id',
        description: 'Invalid attribute value: agreement_id. Agreement does not exist',
      });
    }
    if (request.authorisationMode === 'agreement' && agreement.status !== 'active') {
      throw new PayApiError({
        statusCode: 400,
        code: 'P0102',
        field: 'agreement_id',
        description: 'Invalid attribute value: agreement_id. Agreement must be active',
      });
    }
  }

  /**
   * Claims an agreement payment for authorisation, in one transaction with its agreement locked:
   * the agreement must still be active, with the card it had, or the payment ends in `error`
   * (P0050), as it would at Pay once the cancelled agreement's card is deleted at the provider.
   * Of a cancellation and this claim, whichever comes first wins.
   */
  async function claimAgreementPayment(paymentId: string): Promise<{ claimed: PaymentRow; instrument: PaymentInstrumentRow } | undefined> {
    const now = clock().toISOString();
    return db.transaction().execute(async (transaction) => {
      const payment = await payments.find(transaction, paymentId);
      if (!payment || payment.status !== 'created' || payment.authorisation_mode !== 'agreement' || !payment.agreement_id) {
        return undefined;
      }
      const agreement: AgreementRow | undefined = await agreements.findAgreementForUpdate(transaction, payment.agreement_id);
      const instrument =
        agreement?.status === 'active' && agreement.payment_instrument_id
          ? await agreements.findInstrument(transaction, agreement.payment_instrument_id)
          : undefined;
      if (!instrument || instrument.status !== 'active') {
        const failed = await payments.transition(transaction, {
          id: paymentId,
          from: ['created'],
          set: { status: 'error', failure_code: FAILURE_CODES.providerError, updated_at: now },
        });
        if (failed) {
          await events.record(transaction, { payment: failed, eventType: 'authorisation_error', webhook: 'card_payment_failed', at: now });
        }
        return undefined;
      }
      // Pay's connector copies the agreement's card onto the payment as it authorises it.
      const claimed = await payments.transition(transaction, {
        id: paymentId,
        from: ['created'],
        set: {
          status: 'authorising',
          card_first_digits: instrument.card_first_digits,
          card_last_digits: instrument.card_last_digits,
          card_brand: instrument.card_brand,
          card_type: instrument.card_type,
          card_expiry: instrument.card_expiry,
          cardholder_name: instrument.cardholder_name,
          billing_address: instrument.billing_address,
          updated_at: now,
        },
      });
      if (!claimed) return undefined;
      await events.record(transaction, { payment: claimed, eventType: 'authorisation_user_not_present_queued', at: now });
      return { claimed, instrument };
    });
  }

  async function claimForAuthorisation(id: string, from: readonly PaymentStatus[]): Promise<PaymentRow | undefined> {
    const now = clock().toISOString();
    return payments.transition(db, { id, from, set: { status: 'authorising', updated_at: now } });
  }

  return {
    async createPayment(input: {
      caller: Caller;
      request: PermittedPaymentRequest;
      idempotencyKey?: string;
      rawBody?: unknown;
    }): Promise<{ payment: PaymentRow; nextUrlToken?: string; replayed: boolean }> {
      const { caller, request } = input;
      const providerName = caller.live ? caller.liveProvider : 'sandbox';
      if (!providerName || !providers.has(providerName)) throw accountNotConfigured();
      const now = clock();
      const createdAt = now.toISOString();
      const row: PaymentRow = {
        id: generatePayId(),
        account_id: caller.accountId,
        live: caller.live ? 1 : 0,
        provider: providerName,
        provider_id: null,
        amount: request.amount,
        reference: request.reference,
        description: request.description,
        language: request.language,
        email: request.email ?? null,
        // Pay leaves a moto_api payment without one; the column keeps '' for it.
        return_url: request.returnUrl ?? '',
        delayed_capture: request.delayedCapture ? 1 : 0,
        // Pay marks every moto_api payment as MOTO.
        moto: request.authorisationMode === 'moto_api' || request.moto ? 1 : 0,
        authorisation_mode: request.authorisationMode,
        agreement_id: request.setUpAgreement ?? request.agreementId ?? null,
        save_to_agreement: request.setUpAgreement === undefined ? 0 : 1,
        // Pay's connector: payments that set up or use an agreement are `recurring` unless told otherwise.
        agreement_payment_type:
          request.setUpAgreement !== undefined || request.authorisationMode === 'agreement'
            ? (request.agreementPaymentType ?? 'recurring')
            : null,
        can_retry: null,
        disputed: 0,
        metadata: request.metadata ? JSON.stringify(request.metadata) : null,
        status: 'created',
        failure_code: null,
        cardholder_name: request.cardholderName ?? null,
        billing_address: request.billingAddress ? JSON.stringify(request.billingAddress) : null,
        card_first_digits: null,
        card_last_digits: null,
        card_brand: null,
        card_type: null,
        card_expiry: null,
        three_d_secure_required: 0,
        refund_amount_submitted: 0,
        refund_amount_refunded: 0,
        capture_submitted_at: null,
        captured_at: null,
        settled_at: null,
        expires_at: new Date(now.getTime() + PAYMENT_LIFETIME_MS).toISOString(),
        created_at: createdAt,
        updated_at: createdAt,
      };

      /** Stores the payment, once its agreement (if any) is found to be the caller's and usable. */
      const store = async (transaction: Executor) => {
        await checkAgreement(transaction, caller, request);
        await insertPayment(transaction, row);
        if (row.authorisation_mode === 'agreement') {
          await jobs.enqueue(transaction, { type: AUTHORISE_AGREEMENT_PAYMENT_JOB, payload: { paymentId: row.id } });
        }
      };

      if (input.idempotencyKey === undefined) {
        await writes.run(store);
        return { payment: row, nextUrlToken: await nextUrlTokens.sign(row.id), replayed: false };
      }

      const key = { accountId: caller.accountId, live: caller.live, key: input.idempotencyKey };
      const requestHash = createHash('sha256').update(canonicaliseJson(input.rawBody)).digest('hex');
      for (let tries = 0; tries < 2; tries += 1) {
        try {
          await writes.run(async (transaction) => {
            const claimed = await idempotency.claim(transaction, {
              account_id: key.accountId,
              live: key.live ? 1 : 0,
              key: key.key,
              request_hash: requestHash,
              payment_id: row.id,
              created_at: createdAt,
            });
            if (!claimed) throw new IdempotencyKeyTaken();
            return store(transaction);
          });
          return { payment: row, nextUrlToken: await nextUrlTokens.sign(row.id), replayed: false };
        } catch (error) {
          if (!(error instanceof IdempotencyKeyTaken)) throw error;
        }
        const existing = await idempotency.find(db, key);
        if (!existing) continue;
        const windowStart = new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS).toISOString();
        if (existing.created_at < windowStart) {
          // Keys last 24 hours: this one has run out, so it may be used again.
          await idempotency.deleteExpired(db, { ...key, before: windowStart });
          continue;
        }
        if (existing.request_hash !== requestHash) {
          throw new PayApiError({
            statusCode: 409,
            code: 'P0191',
            header: 'Idempotency-Key',
            description: 'The Idempotency-Key you sent in the request header has already been used to create a payment.',
          });
        }
        const original = await expireIfDue((await payments.find(db, existing.payment_id)) as PaymentRow);
        const nextUrlToken = original.status === 'created' ? await nextUrlTokens.sign(original.id) : undefined;
        return { payment: original, nextUrlToken, replayed: true };
      }
      throw new Error('the idempotency key could be neither taken nor found');
    },

    /** A payment of the caller's account and mode, expired if its time is up, with a fresh next_url token while it can still be paid. */
    async getPayment(caller: Caller, id: string, options: { withNextUrl?: boolean; notFoundCode?: string } = {}) {
      const payment = await expireIfDue(await findOwned(caller, id, options.notFoundCode ?? 'P0200'));
      const nextUrlToken =
        options.withNextUrl !== false && payment.status === 'created'
          ? await nextUrlTokens.sign(payment.id)
          : undefined;
      return { payment, nextUrlToken };
    },

    /** The payment's API status changes, oldest first. */
    async listEvents(caller: Caller, id: string): Promise<{ payment: PaymentRow; events: PaymentEventJson[] }> {
      const payment = await expireIfDue(await findOwned(caller, id, 'P0300'));
      return { payment, events: describeStateChanges(await ledger.listForPayment(db, payment.id)) };
    },

    /** A payment of this account and mode, for the team pages; undefined if it is not theirs. */
    async findOwned(owner: { accountId: string; live: boolean }, id: string): Promise<PaymentRow | undefined> {
      const row = PAY_ID_PATTERN.test(id) ? await payments.find(db, id) : undefined;
      if (!row || row.account_id !== owner.accountId || row.live !== (owner.live ? 1 : 0)) return undefined;
      return expireIfDue(row);
    },

    /** Every ledger entry of a payment, oldest first. */
    async listLedgerEntries(paymentId: string): Promise<LedgerEntryRow[]> {
      return ledger.listForPayment(db, paymentId);
    },

    async search(filter: PaymentSearchFilter, page: { offset: number; limit: number }) {
      return payments.search(db, filter, page);
    },

    async cancelByService(input: { caller: Caller; id: string; requestId?: string }): Promise<void> {
      const current = await expireIfDue(await findOwned(input.caller, input.id, 'P0500'));
      const now = clock().toISOString();
      await db.transaction().execute(async (transaction) => {
        const cancelled = await payments.transition(transaction, {
          id: current.id,
          from: SERVICE_CANCELLABLE_STATUSES,
          set: { status: 'cancelled', failure_code: FAILURE_CODES.cancelledByService, updated_at: now },
        });
        if (!cancelled) {
          throw new PayApiError({ statusCode: 409, code: 'P0502', description: 'Cancellation of payment failed' });
        }
        await events.record(transaction, { payment: cancelled, eventType: 'cancelled_by_service', at: now });
        if (holdsAuthorisation(current)) {
          await jobs.enqueue(transaction, { type: CANCEL_AUTHORISATION_JOB, payload: { paymentId: current.id } });
        }
        await audit.record(
          {
            actor: `pay-key:${input.caller.keyId}`,
            action: 'pay.payment.cancelled',
            subject: `pay-payment:${current.id}`,
            outcome: 'success',
            requestId: input.requestId,
          },
          transaction,
        );
      });
    },

    /** Delayed capture: takes a `capturable` payment. Of two racing captures, one wins; the other gets 409 P1003. */
    async capture(input: { caller: Caller; id: string; requestId?: string }): Promise<void> {
      const current = await findOwned(input.caller, input.id, 'P1000');
      const now = clock().toISOString();
      await db.transaction().execute(async (transaction) => {
        const captured = await payments.transition(transaction, {
          id: current.id,
          from: ['capturable'],
          set: { status: 'success', capture_submitted_at: now, updated_at: now },
        });
        if (!captured) throw new PayApiError({ statusCode: 409, code: 'P1003', description: 'Payment cannot be captured' });
        await events.record(transaction, { payment: captured, eventType: 'capture_submitted', at: now });
        await jobs.enqueue(transaction, { type: CAPTURE_JOB, payload: { paymentId: current.id } });
        await audit.record(
          {
            actor: `pay-key:${input.caller.keyId}`,
            action: 'pay.payment.captured',
            subject: `pay-payment:${current.id}`,
            outcome: 'success',
            requestId: input.requestId,
            details: { amount: current.amount },
          },
          transaction,
        );
      });
    },

    // --- The payment pages -------------------------------------------------------------------

    /**
     * Uses a one-time `next_url` token. Returns the payment it opens, or why it cannot:
     * `unknown` (no such token) or `used` (each token works once).
     */
    async openWithToken(token: string): Promise<{ payment: PaymentRow } | { problem: 'unknown' | 'used'; paymentId?: string }> {
      const paymentId = await nextUrlTokens.verify(token);
      if (!paymentId) return { problem: 'unknown' };
      // A moto_api payment's one-time token is for POST /v1/auth only: it has no payment pages.
      if ((await payments.find(db, paymentId))?.authorisation_mode !== 'web') return { problem: 'unknown' };
      const now = clock().toISOString();
      const opened = await db.transaction().execute(async (transaction) => {
        const expired = await expireInTransaction(transaction, paymentId, now);
        if (expired) return { payment: expired, opened: true };
        const started = await payments.transition(transaction, {
          id: paymentId,
          from: ['created'],
          set: { status: 'started', updated_at: now },
        });
        if (started) {
          await events.record(transaction, { payment: started, eventType: 'started', webhook: 'card_payment_started', at: now });
          return { payment: started, opened: true };
        }
        const existing = await payments.find(transaction, paymentId);
        return existing ? { payment: existing, opened: false } : undefined;
      });
      if (!opened) return { problem: 'unknown' };
      return opened.opened ? { payment: opened.payment } : { problem: 'used', paymentId };
    },

    /** A payment for its pages, expired if its time is up. */
    async findForPages(id: string): Promise<PaymentRow | undefined> {
      if (!PAY_ID_PATTERN.test(id)) return undefined;
      const row = await payments.find(db, id);
      return row && expireIfDue(row);
    },

    /**
     * Authorises the card with the payment's provider. The full card number and security code
     * go to the provider and nowhere else: only the first 6 and last 4 digits, brand and expiry
     * are kept.
     */
    async submitCard(id: string, card: SubmittedCard): Promise<CardOutcome> {
      const claimed = await claimForAuthorisation(id, ['started']);
      if (!claimed) return { kind: 'not_ready', payment: (await payments.find(db, id)) as PaymentRow };
      const cardFields: Partial<PaymentRow> = {
        ...describeCard(card),
        billing_address: card.billingAddress ? JSON.stringify(card.billingAddress) : null,
        email: card.email,
      };
      return applyAuthorisation(claimed.id, await authoriseWithProvider(claimed, card), cardFields);
    },

    /**
     * `POST /v1/auth`: authorises a moto_api payment with the card details its service sent, in
     * the order of Pay's connector. The one-time token names the payment (and must be for one
     * of the caller's own): a token that opens nothing is P1211, one for a payment that is not
     * moto_api is P1211 too, and one whose payment has moved on from `created` is used (P1212).
     * A card number that fails the Luhn check or belongs to no known brand rejects the payment
     * (402 P0010). Authorised, the payment succeeds at once (or waits for capture), with no
     * confirmation step; declined is 402 P0010; a provider's error is 500 P0050.
     */
    async authoriseByApi(input: { caller: Caller; oneTimeToken: string; card: CardForAuthorisation }): Promise<void> {
      const { caller, card } = input;
      const paymentId = await nextUrlTokens.verify(input.oneTimeToken);
      const found = paymentId ? await payments.find(db, paymentId) : undefined;
      if (!found || found.account_id !== caller.accountId || found.live !== (caller.live ? 1 : 0)) {
        throw new PayApiError({ statusCode: 400, code: 'P1211', description: 'The one_time_token is not valid' });
      }
      if (found.authorisation_mode !== 'moto_api') {
        throw new PayApiError({ statusCode: 400, code: 'P1211', description: 'The one_time_token is not a valid moto api token' });
      }
      const current = await expireIfDue(found);
      const claimed = current.status === 'created' ? await claimForAuthorisation(current.id, ['created']) : undefined;
      if (!claimed) {
        throw new PayApiError({ statusCode: 400, code: 'P1212', description: 'The one_time_token has already been used' });
      }
      const brand = detectCardBrand(card.number);
      if (!brand || !passesLuhnCheck(card.number)) {
        await applyAuthorisation(claimed.id, { outcome: 'rejected', providerId: null, reason: 'declined' }, {});
        throw new PayApiError({ statusCode: 402, code: 'P0010', description: 'The card_number is not a valid card number' });
      }
      let outcome = await authoriseWithProvider(claimed, card);
      // No one is there to answer a 3-D Secure challenge: Pay treats it as an error.
      if (outcome.outcome === 'three_ds_required') outcome = { outcome: 'error', providerId: outcome.providerId };
      const result = await applyAuthorisation(claimed.id, outcome, describeCard(card));
      if (result.kind === 'authorised') {
        const confirmed = await recordProviderAnswer(claimed.id, () => confirmAuthorised(claimed.id));
        // A confirmation the database made but could not acknowledge moved it on all the same.
        const after = confirmed ?? (await payments.find(db, claimed.id));
        if (after && (after.status === 'success' || after.status === 'capturable')) return;
      }
      if (result.kind === 'rejected') {
        throw new PayApiError({ statusCode: 402, code: 'P0010', description: 'The payment was rejected' });
      }
      throw new PayApiError({ statusCode: 500, code: 'P0050', description: 'There was an error authorising the payment' });
    },

    async completeThreeDSecure(id: string, result: Readonly<Record<string, string>>): Promise<CardOutcome> {
      const claimed = await claimForAuthorisation(id, ['three_ds_required']);
      if (!claimed) return { kind: 'not_ready', payment: (await payments.find(db, id)) as PaymentRow };
      let outcome: Exclude<AuthorisationOutcome, { outcome: 'three_ds_required' }>;
      try {
        outcome = await providerFor(claimed).completeThreeDSecure({
          paymentId: claimed.id,
          providerId: claimed.provider_id ?? '',
          result,
          ...(claimed.save_to_agreement === 1 ? { saveForRecurring: true } : {}),
        });
      } catch {
        logger.warn({ paymentId: claimed.id }, 'payment provider failed to complete 3-D Secure');
        outcome = { outcome: 'error', providerId: claimed.provider_id };
      }
      return applyAuthorisation(claimed.id, outcome, {});
    },

    /** The paying user confirmed: the payment succeeds (and is captured), or waits for the service's capture. */
    confirm: confirmAuthorised,

    async cancelByUser(id: string): Promise<PaymentRow | undefined> {
      const now = clock().toISOString();
      return db.transaction().execute(async (transaction) => {
        const before = await payments.find(transaction, id);
        if (!before) return undefined;
        const cancelled = await payments.transition(transaction, {
          id,
          from: USER_CANCELLABLE_STATUSES,
          set: { status: 'failed', failure_code: FAILURE_CODES.cancelledByUser, updated_at: now },
        });
        if (!cancelled) return undefined;
        await events.record(transaction, { payment: cancelled, eventType: 'cancelled_by_user', at: now });
        if (holdsAuthorisation(before)) {
          await jobs.enqueue(transaction, { type: CANCEL_AUTHORISATION_JOB, payload: { paymentId: id } });
        }
        return cancelled;
      });
    },

    // --- Jobs --------------------------------------------------------------------------------

    /** Takes the money for a payment that succeeded. Throws (and is retried) while the provider fails. */
    async runCapture(paymentId: string): Promise<void> {
      const payment = await payments.find(db, paymentId);
      if (!payment || payment.status !== 'success' || payment.captured_at) return;
      const outcome = await providerFor(payment).capture({
        paymentId,
        providerId: payment.provider_id ?? '',
        amount: payment.amount,
      });
      if (outcome.outcome !== 'captured') throw new Error('the payment provider refused the capture');
      const now = clock().toISOString();
      await db.transaction().execute(async (transaction) => {
        const captured = await payments.markCaptured(transaction, { id: paymentId, at: now, settledAt: outcome.settled ? now : null });
        if (!captured) return;
        await events.record(transaction, {
          payment: captured,
          eventType: 'captured',
          changesState: false,
          amount: captured.amount,
          webhook: 'card_payment_captured',
          at: now,
        });
        await dependencies.disputes?.openSimulated(transaction, captured, providerFor(captured));
      });
    },

    async runCancelAuthorisation(paymentId: string): Promise<void> {
      const payment = await payments.find(db, paymentId);
      if (!payment?.provider_id) return;
      await providerFor(payment).cancelAuthorisation({ paymentId, providerId: payment.provider_id });
    },

    /**
     * Authorises an agreement payment with its agreement's card, without the paying user, as
     * Pay's connector does from its queue: authorised, it succeeds at once (or waits for
     * capture); declined, it fails (P0010) with `can_retry`, and a decline that may not be
     * retried makes the card and the agreement `inactive`; a provider's error is `error` (P0050).
     */
    async runAgreementAuthorisation(paymentId: string): Promise<void> {
      const claim = await claimAgreementPayment(paymentId);
      if (!claim) return;
      const { claimed, instrument } = claim;
      const provider = providerFor(claimed);
      let outcome: Awaited<ReturnType<NonNullable<PaymentProvider['authoriseRecurring']>>>;
      try {
        outcome = provider.authoriseRecurring
          ? await provider.authoriseRecurring({
              paymentId: claimed.id,
              amount: claimed.amount,
              description: claimed.description,
              live: claimed.live === 1,
              token: instrument.token,
              card: { firstDigits: instrument.card_first_digits, lastDigits: instrument.card_last_digits },
            })
          : { outcome: 'error', providerId: null };
      } catch {
        logger.warn({ paymentId: claimed.id }, 'payment provider failed to authorise a recurring payment');
        outcome = { outcome: 'error', providerId: null };
      }
      switch (outcome.outcome) {
        case 'authorised': {
          const cardType = instrument.card_type === 'debit' || instrument.card_type === 'credit' ? instrument.card_type : null;
          const result = await applyAuthorisation(claimed.id, { outcome: 'authorised', providerId: outcome.providerId, cardType }, {});
          if (result.kind === 'authorised') await recordProviderAnswer(claimed.id, () => confirmAuthorised(claimed.id));
          return;
        }
        case 'rejected': {
          const { canRetry } = outcome;
          await applyAuthorisation(
            claimed.id,
            { outcome: 'rejected', providerId: outcome.providerId, reason: 'declined' },
            { can_retry: canRetry ? 1 : 0 },
            async (transaction, updated) => {
              if (canRetry || !updated.agreement_id) return;
              const at = clock().toISOString();
              await agreements.findAgreementForUpdate(transaction, updated.agreement_id);
              if (await agreements.inactivate(transaction, { agreementId: updated.agreement_id, instrumentId: instrument.id, at })) {
                await audit.record(
                  {
                    actor: `pay-payment:${updated.id}`,
                    action: 'pay.agreement.inactivated',
                    subject: `pay-agreement:${updated.agreement_id}`,
                    outcome: 'success',
                  },
                  transaction,
                );
              }
            },
          );
          return;
        }
        default:
          await applyAuthorisation(claimed.id, { outcome: 'error', providerId: outcome.providerId }, {});
      }
    },

    /** Expires every payment whose 90 minutes are up, a batch at a time. Returns how many. */
    async expireDuePayments(): Promise<number> {
      let total = 0;
      for (;;) {
        const now = clock().toISOString();
        const ids = await payments.listExpired(db, { statuses: EXPIRABLE_STATUSES, now, limit: EXPIRY_BATCH });
        for (const id of ids) {
          const expired = await db.transaction().execute((transaction) => expireInTransaction(transaction, id, now));
          if (expired) total += 1;
        }
        if (ids.length < EXPIRY_BATCH) return total;
      }
    },
  };
}

/** The ledger entries that changed the payment's API status, without repeats. */
export function describeStateChanges(entries: readonly LedgerEntryRow[]): PaymentEventJson[] {
  const changes: PaymentEventJson[] = [];
  for (const entry of entries) {
    if (entry.status === null) continue;
    const previous = changes.at(-1);
    if (previous && previous.status === entry.status) continue;
    const status = entry.status as ExternalStatus;
    changes.push({
      status,
      finished: ['success', 'failed', 'cancelled', 'error'].includes(status),
      code: entry.code,
      at: entry.occurred_at,
    });
  }
  return changes;
}

export type PaymentService = ReturnType<typeof createPaymentService>;
