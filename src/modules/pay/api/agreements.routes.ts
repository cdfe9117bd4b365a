import type { FastifyInstance } from 'fastify';
import { agreementSchema } from '../agreements/agreement-json.ts';
import { wrongType } from '../pay.errors.ts';
import type { PayServices } from '../pay-services.ts';
import { errorSchema, searchResultsSchema } from '../payments/payment-json.ts';
import { ignoreEveryBody, requireCaller } from './api.plugin.ts';
import { parseCreateAgreementRequest } from './create-agreement.request.ts';
import { describeAgreementPaging, parseAgreementSearch } from './search.request.ts';

const agreementParams = {
  type: 'object',
  properties: { agreementId: { type: 'string' } },
  required: ['agreementId'],
} as const;

const errorResponses = { '4xx': errorSchema, '5xx': errorSchema };

/**
 * GOV.UK Pay's agreements for recurring card payments (pay-publicapi AgreementsApiResource):
 * create (201), get one, search, cancel (204), each with its own P-codes (P21xx create, P22xx
 * get, P24xx search, P25xx cancel).
 */
export function registerAgreementRoutes(api: FastifyInstance, services: PayServices): void {
  const baseUrl = services.config.BASE_URL;

  api.post(
    '/v1/agreements',
    {
      config: {
        csrf: false,
        // Pay's agreement codes refuse characters its firewall refuses (`<`, `>`, `|`) as not valid text.
        payErrorCodes: { unparsable: 'P2197', downstream: 'P2198', invalidBody: (field) => wrongType(field, 'Must be a valid string format', 'P2102') },
      },
      schema: { response: { 201: agreementSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const parsed = parseCreateAgreementRequest(request.body);
      const agreement = await services.agreements.create({ caller, request: parsed, requestId: request.id });
      return reply.code(201).send(agreement);
    },
  );

  api.get(
    '/v1/agreements',
    {
      config: { payErrorCodes: { downstream: 'P2498', invalidQuery: 'P2401' } },
      schema: { response: { 200: searchResultsSchema(agreementSchema), ...errorResponses } },
    },
    async (request) => {
      const caller = requireCaller(request);
      const { filter, paging } = parseAgreementSearch(request.query as Record<string, unknown>, caller);
      const { total, results } = await services.agreements.search(filter, {
        offset: (paging.page - 1) * paging.displaySize,
        limit: paging.displaySize,
      });
      const { links } = describeAgreementPaging({ url: `${baseUrl}/v1/agreements`, filter, paging, total });
      return { total, count: results.length, page: paging.page, results, _links: links };
    },
  );

  api.get(
    '/v1/agreements/:agreementId',
    {
      config: { payErrorCodes: { downstream: 'P2298', notFound: 'P2200' } },
      schema: { params: agreementParams, response: { 200: agreementSchema, ...errorResponses } },
    },
    async (request) => {
      const { agreementId } = request.params as { agreementId: string };
      return services.agreements.get(requireCaller(request), agreementId);
    },
  );

  // pay-publicapi's cancel takes no body: whatever is sent (an empty JSON body, `{}`, anything)
  // is ignored rather than parsed, so a context of its own reads bodies as nothing.
  void api.register(async (cancelContext) => {
    ignoreEveryBody(cancelContext);
    cancelContext.post(
      '/v1/agreements/:agreementId/cancel',
      {
        config: { csrf: false, payErrorCodes: { downstream: 'P2598', notFound: 'P2500' } },
        schema: { params: agreementParams, response: errorResponses },
      },
      async (request, reply) => {
        const { agreementId } = request.params as { agreementId: string };
        await services.agreements.cancel({ caller: requireCaller(request), id: agreementId, requestId: request.id });
        return reply.code(204).send();
      },
    );
  });
}
