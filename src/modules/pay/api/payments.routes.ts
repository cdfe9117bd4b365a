import type { FastifyInstance } from 'fastify';
import { invalidAttribute, PayApiError } from '../pay.errors.ts';
import type { PayServices } from '../pay-services.ts';
import { errorSchema, paymentSchema, paymentStateSchema, presentPayment, searchResultsSchema } from '../payments/payment-json.ts';
import { FAILURE_MESSAGES } from '../payments/payment-state.ts';
import { ignoreEveryBody, requireCaller } from './api.plugin.ts';
import { checkAccountPermits, parseCreatePaymentRequest } from './create-payment.request.ts';
import { describePaging, parsePaymentSearch } from './search.request.ts';
import { UNSTORABLE_EXPLANATION } from './unstorable-text.refusal.ts';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9-]{1,255}$/;

const paymentParams = {
  type: 'object',
  properties: { paymentId: { type: 'string' } },
  required: ['paymentId'],
} as const;

const errorResponses = { '4xx': errorSchema, '5xx': errorSchema };

const eventsSchema = {
  type: 'object',
  properties: {
    payment_id: { type: 'string' },
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          payment_id: { type: 'string' },
          state: paymentStateSchema,
          updated: { type: 'string' },
          _links: {
            type: 'object',
            properties: { payment_url: { type: 'object', properties: { href: { type: 'string' }, method: { type: 'string' } } } },
          },
        },
      },
    },
    _links: { type: 'object', properties: { self: { type: 'object', properties: { href: { type: 'string' }, method: { type: 'string' } } } } },
  },
} as const;

function readIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw new PayApiError({
      statusCode: 422,
      code: 'P0102',
      header: 'Idempotency-Key',
      description: 'Invalid header value: Idempotency-Key. Must be 1 to 255 characters of letters, numbers and hyphens',
    });
  }
  return value;
}

export function registerPaymentRoutes(api: FastifyInstance, services: PayServices): void {
  const baseUrl = services.config.BASE_URL;

  api.post(
    '/v1/payments',
    {
      config: {
        csrf: false,
        payErrorCodes: { unparsable: 'P0197', downstream: 'P0198', invalidBody: (field) => invalidAttribute(field, UNSTORABLE_EXPLANATION) },
      },
      schema: {
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string' } } },
        response: { 200: paymentSchema, 201: paymentSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const idempotencyKey = readIdempotencyKey(request.headers['idempotency-key']);
      const parsed = checkAccountPermits(parseCreatePaymentRequest(request.body, { live: caller.live }), caller);
      const { payment, nextUrlToken, replayed } = await services.payments.createPayment({
        caller,
        request: parsed,
        idempotencyKey,
        rawBody: request.body,
      });
      const json = presentPayment(payment, { baseUrl, nextUrlToken });
      return reply.code(replayed ? 200 : 201).header('location', json._links.self.href).send(json);
    },
  );

  api.get(
    '/v1/payments',
    {
      config: { payErrorCodes: { downstream: 'P0498', invalidQuery: 'P0401' } },
      schema: {
        response: {
          200: searchResultsSchema(paymentSchema),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = requireCaller(request);
      const { filter, paging, given } = parsePaymentSearch(request.query as Record<string, unknown>, caller);
      const { total, rows } = await services.payments.search(filter, {
        offset: (paging.page - 1) * paging.displaySize,
        limit: paging.displaySize,
      });
      const { links } = describePaging({ url: `${baseUrl}/v1/payments`, given, paging, total, notFoundCode: 'P0402' });
      return {
        total,
        count: rows.length,
        page: paging.page,
        results: rows.map((row) => presentPayment(row, { baseUrl })),
        _links: links,
      };
    },
  );

  api.get(
    '/v1/payments/:paymentId',
    {
      config: { payErrorCodes: { downstream: 'P0298', notFound: 'P0200' } },
      schema: { params: paymentParams, response: { 200: paymentSchema, ...errorResponses } },
    },
    async (request) => {
      const { paymentId } = request.params as { paymentId: string };
      const { payment, nextUrlToken } = await services.payments.getPayment(requireCaller(request), paymentId);
      return presentPayment(payment, { baseUrl, nextUrlToken });
    },
  );

  api.get(
    '/v1/payments/:paymentId/events',
    {
      config: { payErrorCodes: { downstream: 'P0398', notFound: 'P0300' } },
      schema: { params: paymentParams, response: { 200: eventsSchema, ...errorResponses } },
    },
    async (request) => {
      const { paymentId } = request.params as { paymentId: string };
      const { payment, events } = await services.payments.listEvents(requireCaller(request), paymentId);
      const paymentUrl = `${baseUrl}/v1/payments/${payment.id}`;
      return {
        payment_id: payment.id,
        events: events.map((event) => ({
          payment_id: payment.id,
          state: {
            status: event.status,
            finished: event.finished,
            ...(event.code ? { code: event.code, message: FAILURE_MESSAGES[event.code] ?? 'Payment failed' } : {}),
          },
          updated: event.at,
          _links: { payment_url: { href: paymentUrl, method: 'GET' } },
        })),
        _links: { self: { href: `${paymentUrl}/events`, method: 'GET' } },
      };
    },
  );

  // Cancel and capture read no body (pay-publicapi declares none): an empty JSON body, a form
  // or text is ignored, as Pay ignores it, so a context of their own reads bodies as nothing.
  void api.register(async (bodiless) => {
    ignoreEveryBody(bodiless);
    bodiless.post(
      '/v1/payments/:paymentId/cancel',
      {
        config: { csrf: false, payErrorCodes: { downstream: 'P0598', notFound: 'P0500' } },
        schema: { params: paymentParams, response: errorResponses },
      },
      async (request, reply) => {
        const { paymentId } = request.params as { paymentId: string };
        await services.payments.cancelByService({ caller: requireCaller(request), id: paymentId, requestId: request.id });
        return reply.code(204).send();
      },
    );

    bodiless.post(
      '/v1/payments/:paymentId/capture',
      {
        config: { csrf: false, payErrorCodes: { downstream: 'P1098', notFound: 'P1000' } },
        schema: { params: paymentParams, response: errorResponses },
      },
      async (request, reply) => {
        const { paymentId } = request.params as { paymentId: string };
        await services.payments.capture({ caller: requireCaller(request), id: paymentId, requestId: request.id });
        return reply.code(204).send();
      },
    );
  });
}
