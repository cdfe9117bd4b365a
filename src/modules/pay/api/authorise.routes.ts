import type { FastifyInstance } from 'fastify';
import { invalidAttribute } from '../pay.errors.ts';
import type { PayServices } from '../pay-services.ts';
import { errorSchema } from '../payments/payment-json.ts';
import { requireCaller } from './api.plugin.ts';
import { parseAuthorisePaymentRequest } from './authorise-payment.request.ts';
import { UNSTORABLE_EXPLANATION } from './unstorable-text.refusal.ts';

/**
 * `POST /v1/auth`, GOV.UK Pay's MOTO API: the card details of a payment created with
 * `authorisation_mode: moto_api`, with the `one_time_token` of its `auth_url_post` link.
 * 204 when authorised; Pay's errors otherwise (see `authoriseByApi`).
 */
export function registerAuthoriseRoutes(api: FastifyInstance, services: PayServices): void {
  api.post(
    '/v1/auth',
    {
      config: {
        csrf: false,
        payErrorCodes: { unparsable: 'P0197', downstream: 'P0198', invalidBody: (field) => invalidAttribute(field, UNSTORABLE_EXPLANATION) },
      },
      schema: {
        // No body schema: any JSON reaches the parser, which checks it in Pay's order and words.
        response: { '4xx': errorSchema, '5xx': errorSchema },
      },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const { oneTimeToken, card } = parseAuthorisePaymentRequest(request.body, services.clock());
      await services.payments.authoriseByApi({ caller, oneTimeToken, card });
      return reply.code(204).send();
    },
  );
}
