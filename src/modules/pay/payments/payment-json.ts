import { keepNumberAsSent, parseJsonKeepingNumberText } from '../../../platform/http/json-number-text.ts';
import type { MetadataValue } from '../api/create-payment.request.ts';
import { describeCardBrand } from '../cards/card-number.ts';
import type { BillingAddress } from '../providers/payment-provider.ts';
import type { CardColumns } from '../agreements/agreement.store.ts';
import type { RefundRow } from '../refunds/refund.store.ts';
import {
  AUTHORISATION_HELD_STATUSES,
  describeExternalStatus,
  FAILURE_MESSAGES,
  isFinished,
  SERVICE_CANCELLABLE_STATUSES,
  type ExternalStatus,
} from './payment-state.ts';
import type { PaymentRow } from './payment.store.ts';

/**
 * GOV.UK Pay's JSON for payments and refunds, built from our rows. The JSON schemas beside each
 * shape are the routes' response schemas, so what is sent is exactly what is declared.
 */

export type Link = { href: string; method: 'GET' | 'POST' };
export type PostLink = Link & { type: string; params: Record<string, string> };

export type PaymentState = {
  status: ExternalStatus;
  finished: boolean;
  message?: string;
  code?: string;
  /** Only on a declined agreement payment: whether the agreement may be used again. */
  can_retry?: boolean;
};

export type RefundSummary = { status: 'pending' | 'available' | 'full' | 'unavailable'; amount_available: number; amount_submitted: number };

export type PaymentJson = {
  amount: number;
  description: string;
  reference: string;
  language: string;
  email?: string;
  state: PaymentState;
  payment_id: string;
  payment_provider: string;
  provider_id?: string;
  created_date: string;
  refund_summary: RefundSummary;
  settlement_summary: { capture_submit_time?: string; captured_date?: string; settled_date?: string };
  card_details?: {
    last_digits_card_number?: string;
    first_digits_card_number?: string;
    cardholder_name?: string;
    expiry_date?: string;
    billing_address?: BillingAddressJson;
    card_brand?: string;
    card_type?: string;
  };
  /** Deprecated by Pay (`card_details.card_brand` replaces it) but still sent to v1 clients. */
  card_brand?: string;
  delayed_capture: boolean;
  moto: boolean;
  return_url?: string;
  metadata?: Record<string, MetadataValue>;
  authorisation_summary?: { three_d_secure: { required: boolean } };
  authorisation_mode: 'web' | 'moto_api' | 'agreement';
  /** The agreement the payment sets up or was authorised with. */
  agreement_id?: string;
  agreement_payment_type?: string;
  _links: {
    self: Link;
    next_url?: Link;
    next_url_post?: PostLink;
    auth_url_post?: PostLink;
    events: Link;
    refunds: Link;
    cancel?: Link;
    capture?: Link;
  };
};

type BillingAddressJson = { line1?: string; line2?: string; postcode?: string; city?: string; country?: string };

export function describeState(row: Pick<PaymentRow, 'status' | 'failure_code'> & Partial<Pick<PaymentRow, 'can_retry'>>): PaymentState {
  const state: PaymentState = { status: describeExternalStatus(row.status), finished: isFinished(row.status) };
  if (row.failure_code) {
    state.message = FAILURE_MESSAGES[row.failure_code] ?? 'Payment failed';
    state.code = row.failure_code;
  }
  if (row.can_retry !== undefined && row.can_retry !== null) state.can_retry = row.can_retry === 1;
  return state;
}

export function describeRefundSummary(row: PaymentRow): RefundSummary {
  const available = row.amount - row.refund_amount_submitted;
  if (row.disputed === 1) return { status: 'unavailable', amount_available: 0, amount_submitted: row.refund_amount_submitted };
  if (row.status === 'success') {
    return { status: available > 0 ? 'available' : 'full', amount_available: available, amount_submitted: row.refund_amount_submitted };
  }
  if (isFinished(row.status)) return { status: 'unavailable', amount_available: 0, amount_submitted: 0 };
  return { status: 'pending', amount_available: row.amount, amount_submitted: 0 };
}

function presentAddress(text: string | null): BillingAddressJson | undefined {
  if (!text) return undefined;
  const address = JSON.parse(text) as Partial<BillingAddress>;
  const json: BillingAddressJson = {};
  for (const field of ['line1', 'line2', 'postcode', 'city', 'country'] as const) {
    if (address[field]) json[field] = address[field];
  }
  return Object.keys(json).length > 0 ? json : undefined;
}

/** The card columns a payment or a payment instrument keeps, as Pay's `card_details`. */
export function presentCardDetails(row: CardColumns): PaymentJson['card_details'] {
  const details: NonNullable<PaymentJson['card_details']> = {};
  if (row.card_last_digits) details.last_digits_card_number = row.card_last_digits;
  if (row.card_first_digits) details.first_digits_card_number = row.card_first_digits;
  if (row.cardholder_name) details.cardholder_name = row.cardholder_name;
  if (row.card_expiry) details.expiry_date = row.card_expiry;
  const address = presentAddress(row.billing_address);
  if (address) details.billing_address = address;
  if (row.card_brand) details.card_brand = describeCardBrand(row.card_brand);
  if (row.card_type) details.card_type = row.card_type;
  return Object.keys(details).length > 0 ? details : undefined;
}

const dateOf = (timestamp: string) => timestamp.slice(0, 10);

export function presentPayment(
  row: PaymentRow,
  options: { baseUrl: string; nextUrlToken?: string },
): PaymentJson {
  const { baseUrl } = options;
  const self = `${baseUrl}/v1/payments/${row.id}`;
  const links: PaymentJson['_links'] = {
    self: { href: self, method: 'GET' },
    events: { href: `${self}/events`, method: 'GET' },
    refunds: { href: `${self}/refunds`, method: 'GET' },
  };
  if (options.nextUrlToken && row.status === 'created' && row.authorisation_mode === 'moto_api') {
    // Pay's connector: a moto_api payment is authorised by posting its card details, with this
    // one-time token, to /v1/auth; it has no payment pages.
    links.auth_url_post = {
      type: 'application/json',
      params: { one_time_token: options.nextUrlToken },
      href: `${baseUrl}/v1/auth`,
      method: 'POST',
    };
  } else if (options.nextUrlToken && row.status === 'created' && row.authorisation_mode === 'web') {
    // Pay's connector gives an agreement payment no next_url: no one is there to follow it.
    links.next_url = { href: `${baseUrl}/pay/secure/${options.nextUrlToken}`, method: 'GET' };
    links.next_url_post = {
      type: 'application/x-www-form-urlencoded',
      params: { chargeTokenId: options.nextUrlToken },
      href: `${baseUrl}/pay/secure`,
      method: 'POST',
    };
  }
  if (SERVICE_CANCELLABLE_STATUSES.includes(row.status)) links.cancel = { href: `${self}/cancel`, method: 'POST' };
  if (row.status === 'capturable') links.capture = { href: `${self}/capture`, method: 'POST' };

  const settlement: PaymentJson['settlement_summary'] = {};
  if (row.capture_submitted_at) settlement.capture_submit_time = row.capture_submitted_at;
  if (row.captured_at) settlement.captured_date = dateOf(row.captured_at);
  if (row.settled_at) settlement.settled_date = dateOf(row.settled_at);

  const json: PaymentJson = {
    amount: row.amount,
    description: row.description,
    reference: row.reference,
    language: row.language,
    state: describeState(row),
    payment_id: row.id,
    payment_provider: row.provider,
    created_date: row.created_at,
    refund_summary: describeRefundSummary(row),
    settlement_summary: settlement,
    delayed_capture: row.delayed_capture === 1,
    moto: row.moto === 1,
    authorisation_mode: row.authorisation_mode,
    _links: links,
  };
  if (row.return_url) json.return_url = row.return_url;
  if (row.email) json.email = row.email;
  if (row.provider_id) json.provider_id = row.provider_id;
  const cardDetails = presentCardDetails(row);
  if (cardDetails) json.card_details = cardDetails;
  // Pay's CardPayment#getCardBrand: card_details.card_brand, left out when empty (NON_EMPTY).
  if (cardDetails?.card_brand) json.card_brand = cardDetails.card_brand;
  if (row.metadata) json.metadata = readStoredMetadata(row.metadata);
  if (row.agreement_id) json.agreement_id = row.agreement_id;
  if (row.agreement_payment_type) json.agreement_payment_type = row.agreement_payment_type;
  if (row.three_d_secure_required === 1) json.authorisation_summary = { three_d_secure: { required: true } };
  return json;
}

/** Stored metadata (JSON text, numbers as they were sent), with each number to be written back exactly as it was sent. */
export function readStoredMetadata(text: string): Record<string, MetadataValue> {
  const stored = parseJsonKeepingNumberText(text) as Record<string, MetadataValue>;
  return Object.fromEntries(
    Object.entries(stored).map(([key, value]) => [key, typeof value === 'number' ? keepNumberAsSent(stored, key, value) : value]),
  );
}

/** Whether the payment holds an authorisation at its provider that a cancellation must release. */
export function holdsAuthorisation(row: PaymentRow): boolean {
  return AUTHORISATION_HELD_STATUSES.includes(row.status);
}

export type RefundJson = {
  refund_id: string;
  created_date: string;
  amount: number;
  status: 'submitted' | 'success' | 'error';
  settlement_summary: { settled_date?: string };
  payment_id?: string;
  _links: { self: Link; payment: Link };
};

export function presentRefund(row: RefundRow, options: { baseUrl: string; withPaymentId?: boolean }): RefundJson {
  const payment = `${options.baseUrl}/v1/payments/${row.payment_id}`;
  return {
    refund_id: row.id,
    created_date: row.created_at,
    amount: row.amount,
    status: row.status,
    settlement_summary: row.settled_at ? { settled_date: dateOf(row.settled_at) } : {},
    ...(options.withPaymentId ? { payment_id: row.payment_id } : {}),
    _links: { self: { href: `${payment}/refunds/${row.id}`, method: 'GET' }, payment: { href: payment, method: 'GET' } },
  };
}

// Response schemas: fast-json-stringify sends exactly these properties.
const linkSchema = {
  type: 'object',
  properties: { href: { type: 'string' }, method: { type: 'string' } },
  required: ['href', 'method'],
} as const;

const postLinkSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    params: { type: 'object', additionalProperties: { type: 'string' } },
    href: { type: 'string' },
    method: { type: 'string' },
  },
} as const;

const addressSchema = {
  type: 'object',
  properties: {
    line1: { type: 'string' },
    line2: { type: 'string' },
    postcode: { type: 'string' },
    city: { type: 'string' },
    country: { type: 'string' },
  },
} as const;

export const cardDetailsSchema = {
  type: 'object',
  properties: {
    last_digits_card_number: { type: 'string' },
    first_digits_card_number: { type: 'string' },
    cardholder_name: { type: 'string' },
    expiry_date: { type: 'string' },
    billing_address: addressSchema,
    card_brand: { type: 'string' },
    card_type: { type: 'string' },
  },
} as const;

export const paymentStateSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    finished: { type: 'boolean' },
    message: { type: 'string' },
    code: { type: 'string' },
    can_retry: { type: 'boolean' },
  },
} as const;

export const paymentSchema = {
  type: 'object',
  properties: {
    amount: { type: 'integer' },
    description: { type: 'string' },
    reference: { type: 'string' },
    language: { type: 'string' },
    email: { type: 'string' },
    state: paymentStateSchema,
    payment_id: { type: 'string' },
    payment_provider: { type: 'string' },
    provider_id: { type: 'string' },
    created_date: { type: 'string' },
    refund_summary: {
      type: 'object',
      properties: {
        status: { type: 'string' },
        amount_available: { type: 'integer' },
        amount_submitted: { type: 'integer' },
      },
    },
    settlement_summary: {
      type: 'object',
      properties: {
        capture_submit_time: { type: 'string' },
        captured_date: { type: 'string' },
        settled_date: { type: 'string' },
      },
    },
    card_details: cardDetailsSchema,
    card_brand: { type: 'string' },
    delayed_capture: { type: 'boolean' },
    moto: { type: 'boolean' },
    return_url: { type: 'string' },
    // Each value a string, number or boolean; the type is left open so that a number kept as
    // sent (raw JSON text) is written back exactly.
    metadata: { type: 'object', additionalProperties: {} },
    authorisation_summary: {
      type: 'object',
      properties: { three_d_secure: { type: 'object', properties: { required: { type: 'boolean' } } } },
    },
    authorisation_mode: { type: 'string' },
    agreement_id: { type: 'string' },
    agreement_payment_type: { type: 'string' },
    _links: {
      type: 'object',
      properties: {
        self: linkSchema,
        next_url: linkSchema,
        next_url_post: postLinkSchema,
        auth_url_post: postLinkSchema,
        events: linkSchema,
        refunds: linkSchema,
        cancel: linkSchema,
        capture: linkSchema,
      },
    },
  },
} as const;

export const refundSchema = {
  type: 'object',
  properties: {
    refund_id: { type: 'string' },
    created_date: { type: 'string' },
    amount: { type: 'integer' },
    status: { type: 'string' },
    settlement_summary: { type: 'object', properties: { settled_date: { type: 'string' } } },
    payment_id: { type: 'string' },
    _links: { type: 'object', properties: { self: linkSchema, payment: linkSchema } },
  },
} as const;

export const searchLinksSchema = {
  type: 'object',
  properties: {
    self: { type: 'object', properties: { href: { type: 'string' } } },
    first_page: { type: 'object', properties: { href: { type: 'string' } } },
    last_page: { type: 'object', properties: { href: { type: 'string' } } },
    prev_page: { type: 'object', properties: { href: { type: 'string' } } },
    next_page: { type: 'object', properties: { href: { type: 'string' } } },
  },
} as const;

/** A page of search results, as Pay answers `GET /v1/payments` and `GET /v1/refunds`. */
export function searchResultsSchema<Item extends object>(item: Item) {
  return {
    type: 'object',
    properties: {
      total: { type: 'integer' },
      count: { type: 'integer' },
      page: { type: 'integer' },
      results: { type: 'array', items: item },
      _links: searchLinksSchema,
    },
  } as const;
}

export const errorSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    description: { type: 'string' },
    field: { type: 'string' },
    header: { type: 'string' },
  },
} as const;
