/**
 * The one interface between Civitas Pay and whoever really moves the money (a card acquirer or
 * payment service provider such as Stripe or Worldpay). The built-in sandbox implements it;
 * an adapter for a real provider implements the same five methods (and `authoriseRecurring`
 * for recurring card payments) and is registered by name
 * (see `createPayModule({ providers })`), and an account takes live payments through it once
 * its `live_provider` names it.
 *
 * Rules every adapter keeps:
 * - Full card numbers and security codes exist only in the `card` of `authorise`, for that one
 *   call. Never store, log or put them in an error message. Civitas stores the first 6 and
 *   last 4 digits, the brand, the type and the expiry date, nothing more.
 * - Calls are made outside database transactions and may be retried after a crash (capture,
 *   refund and cancellation run as jobs), so pass `paymentId` / `refundId` to the provider as
 *   its idempotency key.
 * - Answer with an outcome; throw only for a fault worth retrying (a timeout, a 5xx). Thrown
 *   errors from `capture`, `refund` and `cancelAuthorisation` are retried by the job queue;
 *   from `authorise` and `completeThreeDSecure` they end the payment in `error` (P0050).
 * - Errors thrown must not carry personal data in their message: it is kept in the job table.
 */

export type BillingAddress = {
  line1: string;
  line2?: string;
  city: string;
  postcode: string;
  /** ISO 3166-1 alpha-2 */
  country: string;
};

export type CardForAuthorisation = {
  /** The full card number, digits only. Never store or log it. */
  number: string;
  /** The card security code. Never store or log it. */
  securityCode: string;
  expiryMonth: number;
  /** Four digits. */
  expiryYear: number;
  cardholderName: string;
  /** Absent when card details come through the MOTO API, which takes none. */
  billingAddress?: BillingAddress;
};

export type AuthoriseRequest = {
  paymentId: string;
  amount: number;
  description: string;
  live: boolean;
  /**
   * A mail or telephone order: the card details were taken by the service, not entered by the
   * cardholder, so it is outside strong customer authentication and asks for no 3-D Secure.
   */
  moto: boolean;
  /**
   * The payment sets up an agreement for recurring payments (`set_up_agreement`): the paying
   * user consented, so the provider keeps the card and answers a `recurringToken` for it.
   */
  saveForRecurring?: boolean;
  card: CardForAuthorisation;
};

/**
 * A payment taken without the paying user (`authorisation_mode: agreement`), with the card an
 * agreement keeps: the provider's token for it, and the first 6 and last 4 digits Civitas kept.
 */
export type RecurringAuthoriseRequest = {
  paymentId: string;
  amount: number;
  description: string;
  live: boolean;
  token: string;
  card: { firstDigits: string | null; lastDigits: string | null };
};

export type RecurringAuthorisationOutcome =
  | { outcome: 'authorised'; providerId: string }
  /**
   * Declined. `canRetry` false: the card can never be used again (lost, blocked, closed), so
   * the agreement becomes `inactive`, as GOV.UK Pay's connector does for a "do not retry".
   */
  | { outcome: 'rejected'; providerId: string | null; canRetry: boolean }
  | { outcome: 'error'; providerId: string | null };

export type AuthorisationOutcome =
  | {
      outcome: 'authorised';
      providerId: string;
      cardType: 'debit' | 'credit' | null;
      /** When asked to save the card (`saveForRecurring`): the provider's token for it. */
      recurringToken?: string;
    }
  /**
   * The issuer wants the paying user to prove who they are (3-D Secure). `challenge` says how:
   * `sandbox` shows Civitas's own simulated challenge page; `redirect` sends the browser to the
   * issuer's page, which returns it to `/pay/card-details/{id}/3ds` with the provider's result.
   */
  | { outcome: 'three_ds_required'; providerId: string; challenge: { kind: 'sandbox' } | { kind: 'redirect'; url: string } }
  | { outcome: 'rejected'; providerId: string | null; reason: 'declined' | 'expired_card' | 'incorrect_security_code' }
  | { outcome: 'error'; providerId: string | null };

/** `settled`: the money has reached the service's account already (the sandbox settles at once). */
export type CaptureOutcome = { outcome: 'captured'; settled: boolean } | { outcome: 'error' };

export type RefundOutcome =
  /** `success` when the provider confirms at once; `submitted` when it will confirm later. */
  | { outcome: 'success' | 'submitted'; providerRefundId: string; settled: boolean }
  | { outcome: 'error' };

export type SimulatedDispute = { reason: string; outcome: 'won' | 'lost' };

export type PaymentProvider = {
  /** The name stored on each payment, shown in the API as `payment_provider`. */
  name: string;
  authorise(request: AuthoriseRequest): Promise<AuthorisationOutcome>;
  /** The paying user finished (or failed) the 3-D Secure challenge. */
  completeThreeDSecure(request: {
    paymentId: string;
    providerId: string;
    /** What the challenge page or the issuer's redirect returned. */
    result: Readonly<Record<string, string>>;
    /** As in `authorise`: keep the card for an agreement and answer its `recurringToken`. */
    saveForRecurring?: boolean;
  }): Promise<Exclude<AuthorisationOutcome, { outcome: 'three_ds_required' }>>;
  /**
   * Authorises a recurring payment with a card kept for an agreement. A provider without it
   * takes no recurring payments: such a payment ends in `error` (P0050).
   */
  authoriseRecurring?(request: RecurringAuthoriseRequest): Promise<RecurringAuthorisationOutcome>;
  /**
   * Sandbox providers only: the dispute a test card brings once its payment is captured, as
   * GOV.UK Pay's Stripe test cards do. Real providers report disputes as they happen instead.
   */
  simulateDispute?(card: { firstDigits: string; lastDigits: string }): SimulatedDispute | undefined;
  /** Takes the authorised amount. */
  capture(request: { paymentId: string; providerId: string; amount: number }): Promise<CaptureOutcome>;
  /** Releases an authorisation that will not be captured (a cancelled payment). */
  cancelAuthorisation(request: { paymentId: string; providerId: string }): Promise<void>;
  refund(request: { paymentId: string; providerId: string; refundId: string; amount: number }): Promise<RefundOutcome>;
};

export type PaymentProviders = ReadonlyMap<string, PaymentProvider>;
