import type { FastifyInstance } from 'fastify';
import type { DisputeRow } from '../disputes/dispute.store.ts';
import type { PayServices } from '../pay-services.ts';
import { errorSchema, searchResultsSchema } from '../payments/payment-json.ts';
import { requireCaller } from './api.plugin.ts';
import { describePaging, parseDisputeSearch } from './search.request.ts';

type DisputeJson = {
  amount: number;
  created_date: string;
  dispute_id: string;
  evidence_due_date: string;
  fee?: number;
  net_amount?: number;
  payment_id: string;
  reason: string;
  settlement_summary: { settled_date?: string };
  status: string;
  _links: { payment: { href: string; method: 'GET' } };
};

/** pay-publicapi's DisputeForSearchResult: fee and net amount once lost, settled_date only if lost. */
export function presentDispute(row: DisputeRow, baseUrl: string): DisputeJson {
  return {
    amount: row.amount,
    created_date: row.created_at,
    dispute_id: row.id,
    evidence_due_date: row.evidence_due_date,
    ...(row.fee === null ? {} : { fee: row.fee }),
    ...(row.net_amount === null ? {} : { net_amount: row.net_amount }),
    payment_id: row.payment_id,
    reason: row.reason,
    settlement_summary: row.settled_at ? { settled_date: row.settled_at.slice(0, 10) } : {},
    status: row.status,
    _links: { payment: { href: `${baseUrl}/v1/payments/${row.payment_id}`, method: 'GET' } },
  };
}

const disputeSchema = {
  type: 'object',
  properties: {
    amount: { type: 'integer' },
    created_date: { type: 'string' },
    dispute_id: { type: 'string' },
    evidence_due_date: { type: 'string' },
    fee: { type: 'integer' },
    net_amount: { type: 'integer' },
    payment_id: { type: 'string' },
    reason: { type: 'string' },
    settlement_summary: { type: 'object', properties: { settled_date: { type: 'string' } } },
    status: { type: 'string' },
    _links: {
      type: 'object',
      properties: { payment: { type: 'object', properties: { href: { type: 'string' }, method: { type: 'string' } } } },
    },
  },
} as const;

export function registerDisputeRoutes(api: FastifyInstance, services: PayServices): void {
  const baseUrl = services.config.BASE_URL;
  api.get(
    '/v1/disputes',
    {
      config: { payErrorCodes: { downstream: 'P0498', invalidQuery: 'P0401' } },
      schema: { response: { 200: searchResultsSchema(disputeSchema), '4xx': errorSchema, '5xx': errorSchema } },
    },
    async (request) => {
      const caller = requireCaller(request);
      const { filter, paging, given } = parseDisputeSearch(request.query as Record<string, unknown>, caller);
      const { total, rows } = await services.disputes.search(filter, {
        offset: (paging.page - 1) * paging.displaySize,
        limit: paging.displaySize,
      });
      const { links } = describePaging({ url: `${baseUrl}/v1/disputes`, given, paging, total, notFoundCode: 'P0402' });
      return { total, count: rows.length, page: paging.page, results: rows.map((row) => presentDispute(row, baseUrl)), _links: links };
    },
  );
}
