import { createPublicKey } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createVerifier, httpbis, type SignatureParameters } from 'http-message-signatures';
import type { JWK } from 'jose';
import type { ExchangeKeys } from '../gateway/exchange-keys.ts';
import { SIGNATURE_MAX_AGE_SECONDS } from '../gateway/request-signature.ts';
import { findPipAward } from './pip-awards.ts';

/** Where the example benefits agency's information system answers, under Civitas's own address. */
export const DEMO_PROVIDER_PATH = '/demo-exchange/pip';

const NULLABLE_RATE = { type: ['string', 'null'] };
const AWARD_SCHEMA = {
  type: 'object',
  properties: {
    reference: { type: 'string' },
    name: { type: 'string' },
    date_of_birth: { type: 'string' },
    postcode: { type: 'string' },
    status: { type: 'string' },
    rate: { type: 'object', properties: { daily_living: NULLABLE_RATE, mobility: NULLABLE_RATE } },
    award_start: { type: 'string' },
    next_review: { type: ['string', 'null'] },
    assessment_notes: { type: 'string' },
  },
};

/**
 * Whether Civitas signed this call, checked as any provider checks it: against the keys Civitas
 * publishes at /.well-known/exchange-jwks.json, over the method, the URI and the X-Road headers.
 */
async function isSignedByCivitas(request: FastifyRequest, baseUrl: string, keys: ExchangeKeys): Promise<boolean> {
  const published = await keys.publish('request-signing');
  try {
    const verified = await httpbis.verifyMessage(
      {
        async keyLookup(parameters: SignatureParameters) {
          const jwk = published.keys.find((key: JWK) => key.kid === parameters.keyid);
          return jwk ? { id: String(jwk.kid), algs: ['ed25519'], verify: createVerifier(createPublicKey({ key: jwk as never, format: 'jwk' }), 'ed25519') } : null;
        },
        maxAge: SIGNATURE_MAX_AGE_SECONDS,
        requiredParams: ['created', 'keyid'],
        requiredFields: ['@method', '@target-uri', 'x-road-client', 'x-road-service', 'x-road-id'],
      },
      { method: request.method, url: `${baseUrl}${request.url}`, headers: request.headers as Record<string, string | string[]> },
    );
    return verified === true;
  } catch {
    return false;
  }
}

/**
 * The example benefits agency's own information system: `GET /awards/{reference}?dateOfBirth=&name=`
 * answers with the whole record, more than any consumer's agreement allows, as a real provider's
 * might, but only when the reference, date of birth and name all match one record (404 otherwise,
 * the same for each way of not matching): a reference alone does not tell whose award is asked
 * about. It answers only calls Civitas forwarded to its own service, so the only way to it is
 * through Exchange.
 */
export function registerDemoProviderRoutes(app: FastifyInstance, dependencies: { baseUrl: string; keys: ExchangeKeys; services: readonly string[] }): void {
  app.get<{ Params: { reference: string }; Querystring: { dateOfBirth?: string; name?: string } }>(`${DEMO_PROVIDER_PATH}/awards/:reference`, {
    schema: {
      params: { type: 'object', properties: { reference: { type: 'string', maxLength: 64 } }, required: ['reference'] },
      querystring: {
        type: 'object',
        properties: { dateOfBirth: { type: 'string', maxLength: 10 }, name: { type: 'string', maxLength: 300 } },
      },
      response: { 200: AWARD_SCHEMA, '4xx': { type: 'object', properties: { error: { type: 'string' } } } },
    },
    async handler(request, reply) {
      reply.header('cache-control', 'no-store');
      if (!(await isSignedByCivitas(request, dependencies.baseUrl, dependencies.keys))) {
        return reply.code(401).send({ error: 'This information system answers only calls that came through Civitas Exchange' });
      }
      // Civitas signs for whichever service a call was made to: one registered by another member at this address is not this one.
      if (!dependencies.services.includes(String(request.headers['x-road-service']))) return reply.code(403).send({ error: 'This information system provides another service' });
      const { dateOfBirth, name } = request.query;
      if (!dateOfBirth || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(dateOfBirth) || !name?.trim()) return reply.code(400).send({ error: 'Ask with the date of birth (dateOfBirth=YYYY-MM-DD) and name of the person the award is of' });
      const award = findPipAward({ reference: request.params.reference, dateOfBirth, name });
      if (!award) return reply.code(404).send({ error: 'No award found for this reference, date of birth and name' });
      request.log.info({ xRoadId: request.headers['x-road-id'] }, 'exchange demo provider answered');
      return reply.send(award);
    },
  });
}
