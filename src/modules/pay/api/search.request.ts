import { invalidSearchParameters, pageNotFound } from '../pay.errors.ts';
import { EXTERNAL_STATUSES, listStatusesShownAs, type ExternalStatus } from '../payments/payment-state.ts';
import type { PaymentSearchFilter } from '../payments/payment.store.ts';
import type { RefundSearchFilter } from '../refunds/refund.store.ts';
import { DISPUTE_STATUSES, type DisputeSearchFilter, type DisputeStatus } from '../disputes/dispute.store.ts';
import { AGREEMENT_STATUSES, type AgreementSearchFilter, type AgreementStatus } from '../agreements/agreement.store.ts';

/**
 * Query strings of `GET /v1/payments` and `GET /v1/refunds`, checked as GOV.UK Pay checks them:
 * every bad parameter is named in one 422 (P0401 / P1101); a page past the last is a 404.
 */

export const MAX_DISPLAY_SIZE = 500;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Query = Record<string, unknown>;
export type Paging = { page: number; displaySize: number };

function readText(query: Query, name: string, bad: string[], check: (value: string) => boolean): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !check(value)) {
    bad.push(name);
    return undefined;
  }
  return value;
}

function readDateTime(query: Query, name: string, bad: string[]): string | undefined {
  const text = readText(query, name, bad, (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
  return text === undefined ? undefined : new Date(text).toISOString();
}

function readDate(query: Query, name: string, bad: string[], options: { endOfDay: boolean }): string | undefined {
  const text = readText(query, name, bad, (value) => DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)));
  if (text === undefined) return undefined;
  const start = Date.parse(`${text}T00:00:00Z`);
  // Settled dates are whole days: "to" includes the day it names.
  return new Date(options.endOfDay ? start + 24 * 60 * 60 * 1000 : start).toISOString();
}

function readPaging(query: Query, bad: string[]): Paging {
  const page = readText(query, 'page', bad, (value) => /^\d{1,9}$/.test(value) && Number(value) >= 1);
  const size = readText(
    query,
    'display_size',
    bad,
    (value) => /^\d{1,9}$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_DISPLAY_SIZE,
  );
  return { page: page ? Number(page) : 1, displaySize: size ? Number(size) : MAX_DISPLAY_SIZE };
}

const within = (limit: number) => (value: string) => value.length <= limit;

export function parsePaymentSearch(
  query: Query,
  owner: { accountId: string; live: boolean },
): { filter: PaymentSearchFilter; paging: Paging; given: Record<string, string> } {
  const bad: string[] = [];
  const state = readText(query, 'state', bad, (value) => (EXTERNAL_STATUSES as readonly string[]).includes(value));
  const reference = readText(query, 'reference', bad, within(255));
  const email = readText(query, 'email', bad, within(254));
  const cardBrand = readText(query, 'card_brand', bad, within(20));
  const fromDate = readDateTime(query, 'from_date', bad);
  const toDate = readDateTime(query, 'to_date', bad);
  const paging = readPaging(query, bad);
  const agreementId = readText(query, 'agreement_id', bad, within(26));
  const firstDigits = readText(query, 'first_digits_card_number', bad, (value) => /^\d{6}$/.test(value));
  const lastDigits = readText(query, 'last_digits_card_number', bad, (value) => /^\d{4}$/.test(value));
  const cardholderName = readText(query, 'cardholder_name', bad, within(255));
  const fromSettledDate = readDate(query, 'from_settled_date', bad, { endOfDay: false });
  const toSettledDate = readDate(query, 'to_settled_date', bad, { endOfDay: true });
  if (bad.length > 0) throw invalidSearchParameters(bad, 'P0401');

  const filter: PaymentSearchFilter = { accountId: owner.accountId, live: owner.live };
  if (state) filter.statuses = listStatusesShownAs(state as ExternalStatus);
  if (reference !== undefined) filter.reference = reference;
  if (email !== undefined) filter.email = email;
  if (cardBrand !== undefined) filter.cardBrand = cardBrand.toLowerCase();
  if (fromDate !== undefined) filter.fromDate = fromDate;
  if (toDate !== undefined) filter.toDate = toDate;
  if (firstDigits !== undefined) filter.firstDigits = firstDigits;
  if (lastDigits !== undefined) filter.lastDigits = lastDigits;
  if (cardholderName !== undefined) filter.cardholderName = cardholderName;
  if (fromSettledDate !== undefined) filter.fromSettledDate = fromSettledDate;
  if (toSettledDate !== undefined) filter.toSettledDate = toSettledDate;
  if (agreementId !== undefined) filter.agreementId = agreementId;
  return { filter, paging, given: pickGiven(query, PAYMENT_SEARCH_PARAMETERS) };
}

const PAYMENT_SEARCH_PARAMETERS = [
  'reference',
  'email',
  'state',
  'card_brand',
  'from_date',
  'to_date',
  'cardholder_name',
  'first_digits_card_number',
  'last_digits_card_number',
  'from_settled_date',
  'to_settled_date',
  'agreement_id',
];

const REFUND_SEARCH_PARAMETERS = ['from_date', 'to_date', 'from_settled_date', 'to_settled_date'];

export function parseRefundSearch(
  query: Query,
  owner: { accountId: string; live: boolean },
): { filter: RefundSearchFilter; paging: Paging; given: Record<string, string> } {
  const bad: string[] = [];
  const fromDate = readDateTime(query, 'from_date', bad);
  const toDate = readDateTime(query, 'to_date', bad);
  const paging = readPaging(query, bad);
  const fromSettledDate = readDate(query, 'from_settled_date', bad, { endOfDay: false });
  const toSettledDate = readDate(query, 'to_settled_date', bad, { endOfDay: true });
  if (bad.length > 0) throw invalidSearchParameters(bad, 'P1101');
  const filter: RefundSearchFilter = { accountId: owner.accountId, live: owner.live };
  if (fromDate !== undefined) filter.fromDate = fromDate;
  if (toDate !== undefined) filter.toDate = toDate;
  if (fromSettledDate !== undefined) filter.fromSettledDate = fromSettledDate;
  if (toSettledDate !== undefined) filter.toSettledDate = toSettledDate;
  return { filter, paging, given: pickGiven(query, REFUND_SEARCH_PARAMETERS) };
}

const DISPUTE_SEARCH_PARAMETERS = ['from_date', 'to_date', 'from_settled_date', 'to_settled_date', 'status'];

/**
 * `GET /v1/disputes`, as pay-publicapi's DisputeSearchValidator: bad parameters named in one
 * 422 P0401, in its order; a bad `status` is named `state`, as Pay names it.
 */
export function parseDisputeSearch(
  query: Query,
  owner: { accountId: string; live: boolean },
): { filter: DisputeSearchFilter; paging: Paging; given: Record<string, string> } {
  const bad: string[] = [];
  const fromDate = readDateTime(query, 'from_date', bad);
  const toDate = readDateTime(query, 'to_date', bad);
  const fromSettledDate = readDate(query, 'from_settled_date', bad, { endOfDay: false });
  const toSettledDate = readDate(query, 'to_settled_date', bad, { endOfDay: true });
  const paging = readPaging(query, bad);
  const statusBad: string[] = [];
  const status = readText(query, 'status', statusBad, (value) => (DISPUTE_STATUSES as readonly string[]).includes(value));
  if (statusBad.length > 0) bad.push('state');
  if (bad.length > 0) throw invalidSearchParameters(bad, 'P0401');
  const filter: DisputeSearchFilter = { accountId: owner.accountId, live: owner.live };
  if (status !== undefined) filter.status = status as DisputeStatus;
  if (fromDate !== undefined) filter.fromDate = fromDate;
  if (toDate !== undefined) filter.toDate = toDate;
  if (fromSettledDate !== undefined) filter.fromSettledDate = fromSettledDate;
  if (toSettledDate !== undefined) filter.toSettledDate = toSettledDate;
  return { filter, paging, given: pickGiven(query, DISPUTE_SEARCH_PARAMETERS) };
}

function pickGiven(query: Query, names: readonly string[]): Record<string, string> {
  const given: Record<string, string> = {};
  for (const name of names) {
    const value = query[name];
    if (typeof value === 'string' && value !== '') given[name] = value;
  }
  return given;
}

export type SearchLinks = Record<'self' | 'first_page' | 'last_page' | 'prev_page' | 'next_page', { href: string } | undefined>;

/** Pay's paging links, and a 404 for a page past the last. */
export function describePaging(options: {
  url: string;
  given: Record<string, string>;
  paging: Paging;
  total: number;
  notFoundCode: string;
}): { links: Partial<SearchLinks> } {
  const { paging, total } = options;
  const lastPage = Math.max(1, Math.ceil(total / paging.displaySize));
  if (paging.page > lastPage) throw pageNotFound(options.notFoundCode);
  const href = (page: number) => {
    const query = new URLSearchParams({ ...options.given, page: String(page), display_size: String(paging.displaySize) });
    return { href: `${options.url}?${query.toString()}` };
  };
  const links: Partial<SearchLinks> = { self: href(paging.page), first_page: href(1), last_page: href(lastPage) };
  if (paging.page > 1) links.prev_page = href(paging.page - 1);
  if (paging.page < lastPage) links.next_page = href(paging.page + 1);
  return { links };
}

/** Pay's ledger gives agreements 20 to a page, whatever `display_size` asks for (its maximum). */
export const AGREEMENT_PAGE_SIZE = 20;

/**
 * `GET /v1/agreements`, as pay-publicapi's AgreementSearchValidator and Pay's ledger: `status`
 * (created, active, inactive or cancelled, in lower case), `reference` (up to 255 characters,
 * matched exactly but for case), `page` and `display_size` (1 to 500); bad ones named in one
 * 422 P2401, in that order; blank ones ignored. The ledger never gives more than 20 a page.
 */
export function parseAgreementSearch(
  given: Query,
  owner: { accountId: string; live: boolean },
): { filter: AgreementSearchFilter; paging: Paging } {
  // JAX-RS gives a parameter sent more than once its first value.
  const query = Object.fromEntries(Object.entries(given).map(([name, value]) => [name, Array.isArray(value) ? value[0] : value]));
  const bad: string[] = [];
  const isBlank = (name: string) => typeof query[name] === 'string' && (query[name] as string).trim() === '';
  const status = isBlank('status')
    ? undefined
    : readText(query, 'status', bad, (value) => (AGREEMENT_STATUSES as readonly string[]).includes(value));
  const reference = isBlank('reference') ? undefined : readText(query, 'reference', bad, within(255));
  const page = isBlank('page') ? undefined : readText(query, 'page', bad, (value) => /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 2_147_483_647);
  const size = isBlank('display_size')
    ? undefined
    : readText(query, 'display_size', bad, (value) => /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_DISPLAY_SIZE);
  if (bad.length > 0) throw invalidSearchParameters(bad, 'P2401');
  const filter: AgreementSearchFilter = { accountId: owner.accountId, live: owner.live };
  if (status !== undefined) filter.status = status as AgreementStatus;
  if (reference !== undefined) filter.reference = reference;
  return {
    filter,
    paging: { page: page ? Number(page) : 1, displaySize: Math.min(size ? Number(size) : AGREEMENT_PAGE_SIZE, AGREEMENT_PAGE_SIZE) },
  };
}

/**
 * Pay's ledger's paging links for agreements: self, first and last always (the last page is 1
 * when nothing matched), prev and next when there are such pages; a page past the last is 404
 * P2402 only when something matched (with nothing, any page answers an empty list).
 */
export function describeAgreementPaging(options: {
  url: string;
  filter: AgreementSearchFilter;
  paging: Paging;
  total: number;
}): { links: Partial<SearchLinks> } {
  const { paging, total, filter } = options;
  const lastPage = total > 0 ? Math.ceil(total / paging.displaySize) : 1;
  if (total > 0 && paging.page > lastPage) throw pageNotFound('P2402');
  const href = (page: number) => {
    const query = new URLSearchParams();
    if (filter.status !== undefined) query.set('status', filter.status);
    if (filter.reference !== undefined) query.set('reference', filter.reference);
    query.set('page', String(page));
    query.set('display_size', String(paging.displaySize));
    return { href: `${options.url}?${query.toString()}` };
  };
  const links: Partial<SearchLinks> = { self: href(paging.page), first_page: href(1), last_page: href(lastPage) };
  if (paging.page > 1) links.prev_page = href(Math.min(paging.page - 1, lastPage));
  if (paging.page < lastPage) links.next_page = href(paging.page + 1);
  return { links };
}
