import type { FastifyInstance } from 'fastify';
import { isIntegerText, numberTextOf } from '../../../platform/http/json-number-text.ts';
import { missingAttribute, wrongType, invalidAttribute, unparsableJson } from '../pay.errors.ts';
import type { PayServices } from '../pay-services.ts';
import { errorSchema, presentRefund, refundSchema, searchResultsSchema } from '../payments/payment-json.ts';
import { requireCaller } from './api.plugin.ts';
import { AMOUNT_MAX } from './create-payment.request.ts';
import { describePaging, parseRefundSearch } from './search.request.ts';
import { UNSTORABLE_EXPLANATION } from './unstorable-text.refusal.ts';

const errorResponses = { '4xx': errorSchema, '5xx': errorSchema };
/** Pay's RequestJsonParser takes only a JSON integer (JsonNode::isInt): 1000.0 and 1e3 are not one. */
const isIntIn = (holder: object, key: string, value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 2_147_483_647 && isIntegerText(numberTextOf(holder, key, value));

/** The body of `POST /v1/payments/{id}/refunds`: `{ amount, refund_amount_available? }`. */
export function parseRefundRequest(body: unknown): { amount: number; expectedAvailable?: number } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw unparsableJson('P0697');
  const { amount, refund_amount_available: available } = body as Record<string, unknown>;
  if (amount === undefined || amount === null) throw missingAttribute('amount', 'P0601');
  if (!isIntIn(body, 'amount', amount)) throw wrongType('amount', 'Must be a valid numeric format', 'P0602');
  let expectedAvailable: number | undefined;
  if (available !== undefined && available !== null) {
    if (!isIntIn(body, 'refund_amount_available', available)) throw wrongType('refund_amount_available', 'Must be a valid numeric format', 'P0602');
    expectedAvailable = available;
  }
  if (amount < 1) throw invalidAttribute('amount', 'Must be greater than or equal to 1', 'P0602');
  if (amount > AMOUNT_MAX) throw invalidAttribute('amount', `Must be less than or equal to ${AMOUNT_MAX}`, 'P0602');
  return expectedAvailable === undefined ? { amount } : { amount, expectedAvailable };
}

const paymentParams = {
  type: 'object',
  properties: { paymentId: { type: 'string' } },
  required: ['paymentId'],
} as const;

export function registerRefundRoutes(api: FastifyInstance, services: PayServices): void {
  const baseUrl = services.config.BASE_URL;

  api.post(
    '/v1/payments/:paymentId/refunds',
    {
      config: {
        csrf: false,
        payErrorCodes: {
          unparsable: 'P0697',
          downstream: 'P0698',
          notFound: 'P0600',
          invalidBody: (field) => invalidAttribute(field, UNSTORABLE_EXPLANATION, 'P0602'),
        },
      },
      schema: { params: paymentParams, response: { 202: refundSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const { paymentId } = request.params as { paymentId: string };
      const { amount, expectedAvailable } = parseRefundRequest(request.body);
      const refund = await services.refunds.createRefund({
        owner: caller,
        paymentId,
        amount,
        expectedAvailable,
        requestedBy: 'api',
        actor: `pay-key:${caller.keyId}`,
        requestId: request.id,
      });
      return reply.code(202).send(presentRefund(refund, { baseUrl }));
    },
  );

  api.get(
    '/v1/payments/:paymentId/refunds',
    {
      config: { payErrorCodes: { downstream: 'P0898', notFound: 'P0800' } },
      schema: {
        params: paymentParams,
        response: {
          200: {
            type: 'object',
            properties: {
              payment_id: { type: 'string' },
              _links: {
                type: 'object',
                properties: {
                  self: { type: 'object', properties: { href: { type: 'string' }, method: { type: 'string' } } },
                  payment: { type: 'object', properties: { href: { type: 'string' }, method: { type: 'string' } } },
                },
              },
              _embedded: { type: 'object', properties: { refunds: { type: 'array', items: refundSchema } } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { paymentId } = request.params as { paymentId: string };
      const { payment, refunds } = await services.refunds.listRefunds(requireCaller(request), paymentId);
      const paymentUrl = `${baseUrl}/v1/payments/${payment.id}`;
      return {
        payment_id: payment.id,
        _links: { self: { href: `${paymentUrl}/refunds`, method: 'GET' }, payment: { href: paymentUrl, method: 'GET' } },
        _embedded: { refunds: refunds.map((refund) => presentRefund(refund, { baseUrl })) },
      };
    },
  );

  api.get(
    '/v1/payments/:paymentId/refunds/:refundId',
    {
      config: { payErrorCodes: { downstream: 'P0798', notFound: 'P0700' } },
      schema: {
        params: {
          type: 'object',
          properties: { paymentId: { type: 'string' }, refundId: { type: 'string' } },
          required: ['paymentId', 'refundId'],
        },
        response: { 200: refundSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { paymentId, refundId } = request.params as { paymentId: string; refundId: string };
      const refund = await services.refunds.getRefund(requireCaller(request), paymentId, refundId);
      return presentRefund(refund, { baseUrl });
    },
  );

  api.get(
    '/v1/refunds',
    {
      config: { payErrorCodes: { downstream: 'P1898', invalidQuery: 'P1101' } },
      schema: {
        response: {
          200: searchResultsSchema(refundSchema),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = requireCaller(request);
      const { filter, paging, given } = parseRefundSearch(request.query as Record<string, unknown>, caller);
      const { total, rows } = await services.refunds.search(filter, {
        offset: (paging.page - 1) * paging.displaySize,
        limit: paging.displaySize,
      });
      const { links } = describePaging({ url: `${baseUrl}/v1/refunds`, given, paging, total, notFoundCode: 'P1100' });
      return {
        total,
        count: rows.length,
        page: paging.page,
        results: rows.map((row) => presentRefund(row, { baseUrl, withPaymentId: true })),
        _links: links,
      };
    },
  );
}
