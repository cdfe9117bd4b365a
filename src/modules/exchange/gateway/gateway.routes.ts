import { createHash } from 'node:crypto';
import { METHODS as HTTP_METHODS } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiSecurityHeaders, JSON_API_ROUTE_CONFIG } from '../../../platform/http/security.ts';
import type { OutboundRequester } from '../../../platform/net/outbound-request.ts';
import type { SecretBox } from '../../../platform/secrets/secret-box.ts';
import type { MessageLog, MessageLogEntry } from '../message-log/message-log.ts';
import { findPayloadKeepers, sealPayloads } from '../payloads/keep-payloads.ts';
import { formatSubsystem, IdentifierError, MAX_URI_LENGTH, parseGatewayPath, type GatewayPath } from '../registry/identifiers.ts';
import { authenticateClient, authoriseCall, findProvider, type CallFacts } from './authorise-call.ts';
import { ANSWER_CONTENT_TYPE } from './answer-headers.ts';
import { createCallRegistry } from './call-registry.ts';
import type { ExchangeKeys } from './exchange-keys.ts';
import { createProviderAgents, forwardToProvider, limitToAgreedFields, passableHeaders, providerUrlOf, readWhole } from './forward.ts';
import { allowedMethods, getOpenApi, listClients, listMethods } from './metaservices.ts';
import { createRefusalLimit, sendTooManyRefusals } from './refusal-limit.ts';
import type { ReplayGuard } from './replay-guard.ts';
import { checkContentDigest, MAX_BODY_BYTES, meterRequestBody, namesSha256, readContentDigest, UnreadBody, type MeteredBody, type ReceivedBody } from './request-body.ts';
import { computeRequestHash } from './request-hash.ts';
import { sendXRoadError, XRoadError } from './xroad-error.ts';

const PREFIX = '/r1/';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
/** CONNECT never reaches a route: Node's server hands it to its 'connect' listeners. */
const METHODS_NODE_TAKES = HTTP_METHODS.filter((method) => method !== 'CONNECT');

export type GatewayDependencies = {
  instance: string;
  baseUrl: string;
  providerTimeoutMs: number;
  requester: OutboundRequester;
  keys: ExchangeKeys;
  messageLog: MessageLog;
  replayGuard: ReplayGuard;
  /** Seals the bodies of calls whose subsystems asked for them to be kept. */
  payloadBox: SecretBox;
  clock: () => Date;
};

/** `xRoadId`: the call's own, made here for every call (as a security server makes one); an X-Road-Id the client sends is ignored. */
type CallState = { xRoadId: string; startedAt: string; facts: CallFacts; requestHash: string | null; body: MeteredBody | undefined };

function readGatewayPath(afterPrefix: string): GatewayPath {
  try {
    return parseGatewayPath(afterPrefix);
  } catch (error) {
    if (error instanceof IdentifierError) throw new XRoadError('Client.BadRequest', error.message);
    throw error;
  }
}

/** Headers a call may carry once: Node would join repeats into one value, hiding the second. */
const SINGLE_HEADERS = new Set(['x-road-client', 'x-road-userid', 'x-road-issue', 'signature', 'signature-input', 'content-digest']);

function refuseRepeatedHeaders(rawHeaders: readonly string[]): void {
  const seen = new Set<string>();
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    if (!SINGLE_HEADERS.has(name)) continue;
    if (seen.has(name)) throw new XRoadError('Client.BadRequest', `The ${name} header may be given once only`);
    seen.add(name);
  }
}

/** The longest person's reference and case a call may name: both go to the provider and into the message log whole. */
const MAX_USER_ID = 200;
const MAX_ISSUE = 200;

/** Printable ASCII: Node reads header bytes as Latin-1, so anything else would reach the provider, the log and the person's page garbled. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function refuseUnfitReferences(headers: FastifyRequest['headers']): void {
  for (const [name, header, limit] of [['X-Road-UserId', headers['x-road-userid'], MAX_USER_ID], ['X-Road-Issue', headers['x-road-issue'], MAX_ISSUE]] as const) {
    const value = String(header ?? '');
    if (value.length > limit) throw new XRoadError('Client.BadRequest', `${name} is longer than ${limit} characters`);
    if (!PRINTABLE_ASCII.test(value)) throw new XRoadError('Client.BadRequest', `${name} must be printable ASCII characters`);
  }
}

/** A refused call's header, cut to what an allowed call may carry, for its log record. */
function headerText(value: string | string[] | undefined, limit: number): string | null {
  return typeof value === 'string' ? value.slice(0, limit) : null;
}

/**
 * PR-REST calls at `/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE/path`, any method: checked,
 * forwarded to the provider signed by Civitas, the answer streamed back with X-Road's headers,
 * and every call (allowed or refused) written to the message log. Bodies stream through, hashed
 * on the way (up to 10 MB); only an answer cut to the agreed fields is read whole.
 */
export async function registerGatewayRoutes(app: FastifyInstance, dependencies: GatewayDependencies): Promise<void> {
  const { messageLog, clock } = dependencies;
  // The gateway's own: connections kept open to providers, and the registry as calls read it.
  const agents = createProviderAgents();
  const registry = createCallRegistry(app.db);
  const refusalLimit = createRefusalLimit({ db: app.db });

  // No page is shown from the gateway: its answers carry the APIs' few fixed security headers, set
  // first so that a provider's caching headers, where they pass, still replace Cache-Control.
  const securityHeaders = apiSecurityHeaders(app.config);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  app.removeAllContentTypeParsers();
  // The body is left unread here: the handler streams it to the provider (or drains it on a refusal).
  app.addContentTypeParser('*', (_request, payload, done) => done(null, new UnreadBody(payload)));
  app.addHook('onClose', async () => agents.close());

  /** The request hash needs the whole body: what a refused call did not read is read (and hashed) here. */
  async function settleRequestHash(request: FastifyRequest, state: CallState, received?: ReceivedBody): Promise<ReceivedBody | undefined> {
    let body = received;
    try {
      body ??= await state.body?.drain();
    } catch {
      return undefined;
    }
    state.requestHash ??= computeRequestHash({ method: request.method, url: request.url, rawHeaders: request.raw.rawHeaders, bodyDigest: body?.sha512, bodySize: body?.size ?? 0 });
    return body;
  }

  /**
   * A call refused after its signature was checked (no access right, say) whose body turns out not
   * to be the one signed: that is the client's fault, and said first, as when bodies were read whole.
   */
  function bodyMismatchOf(request: FastifyRequest, received: ReceivedBody | undefined, error: XRoadError): XRoadError | undefined {
    if (!received || error.statusCode !== 500) return undefined;
    try {
      checkContentDigest(readContentDigest(request.headers['content-digest']), received);
      return undefined;
    } catch (mismatch) {
      return mismatch instanceof XRoadError ? mismatch : undefined;
    }
  }

  function entryOf(request: FastifyRequest, state: CallState, outcome: { statusCode: number; errorType?: string; responseHash?: string }): MessageLogEntry {
    return {
      x_road_id: state.xRoadId,
      client: state.facts.client,
      client_proved: state.facts.clientProved === true ? 1 : 0,
      service: state.facts.service,
      endpoint: state.facts.endpoint,
      user_id: headerText(request.headers['x-road-userid'], MAX_USER_ID),
      issue: headerText(request.headers['x-road-issue'], MAX_ISSUE),
      request_hash: state.requestHash,
      response_hash: outcome.responseHash ?? null,
      status_code: outcome.statusCode,
      error_type: outcome.errorType ?? null,
      agreement_id: state.facts.agreementId,
      consent_id: state.facts.consentId,
      started_at: state.startedAt,
    };
  }

  async function refuse(request: FastifyRequest, reply: FastifyReply, state: CallState, refusal: XRoadError) {
    const limited = state.facts.clientProved === true ? undefined : await refusalLimit.count(request.ip);
    if (limited) return sendTooManyRefusals(reply, limited, { xRoadId: state.xRoadId, bodyUnread: request.body instanceof UnreadBody });
    const received = await settleRequestHash(request, state);
    const error = bodyMismatchOf(request, received, refusal) ?? refusal;
    request.log.info({ xRoadErrorType: error.type }, 'exchange call refused');
    // A body left unread (past 10 MB, or cut off) is not waited for: the connection ends with the answer.
    if (request.body instanceof UnreadBody && state.requestHash === null) reply.header('connection', 'close');
    await messageLog.append(entryOf(request, state, { statusCode: error.statusCode, errorType: error.type }));
    return sendXRoadError(reply, error, state.xRoadId);
  }

  function stateOf(request: FastifyRequest): CallState {
    const existing = (request as FastifyRequest & { exchangeCall?: CallState }).exchangeCall;
    if (existing) return existing;
    const state: CallState = { xRoadId: crypto.randomUUID(), startedAt: clock().toISOString(), facts: { client: null, service: null, endpoint: null, agreementId: null, consentId: null }, requestHash: null, body: undefined };
    (request as FastifyRequest & { exchangeCall?: CallState }).exchangeCall = state;
    return state;
  }

  // Refusals before the handler (a body too large, one that is not what its type says) answer in X-Road's envelope too.
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const state = stateOf(request);
    if (error instanceof XRoadError) return refuse(request, reply, state, error);
    if (error.statusCode !== undefined && error.statusCode < 500) {
      const message = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'The request body is larger than 10 MB' : 'The request could not be read';
      return refuse(request, reply, state, new XRoadError('Client.BadRequest', message));
    }
    request.log.error({ err: error }, 'exchange call failed');
    return sendXRoadError(reply, new XRoadError('Server.ClientProxy.InternalError', 'Sorry, the exchange failed to handle the call'), state.xRoadId);
  });

  /** listClients needs no client; the others are called, signed, by a client subsystem. */
  async function answerMetaservice(request: FastifyRequest, reply: FastifyReply, state: CallState, path: Exclude<GatewayPath, { kind: 'service' }>, callInput: Parameters<typeof authenticateClient>[0]) {
    if (request.method !== 'GET') throw new XRoadError('Client.BadRequest', 'Metaservices answer GET only');
    if (path.kind === 'listClients') {
      if (path.instance !== dependencies.instance) throw new XRoadError('Server.ServerProxy.UnknownService', `Unknown instance ${path.instance}`);
      return reply.header('content-type', 'application/json;charset=utf-8').send(JSON.stringify(await listClients(request.server.db, dependencies.instance)));
    }
    state.facts.service = `${formatSubsystem(path.provider)}/${path.name}`;
    const client = await authenticateClient(callInput);
    const provider = await findProvider(callInput.registry, dependencies.instance, path.provider);
    if (!provider) throw new XRoadError('Server.ServerProxy.UnknownService', `Unknown service ${state.facts.service}`);
    const answer =
      path.name === 'getOpenAPI'
        ? await getOpenApi(request.server.db, provider, path.query)
        : { contentType: 'application/json;charset=utf-8', body: JSON.stringify(path.name === 'listMethods' ? await listMethods(request.server.db, provider) : await allowedMethods(request.server.db, provider, client)) };
    await settleRequestHash(request, state);
    await messageLog.append(entryOf(request, state, { statusCode: 200, responseHash: createHash('sha512').update(answer.body).digest('base64') }));
    return reply
      .header('content-type', answer.contentType)
      .header('x-road-client', state.facts.client)
      .header('x-road-service', state.facts.service)
      .header('x-road-id', state.xRoadId)
      .header('x-road-request-hash', state.requestHash)
      .send(answer.body);
  }

  // Every method Node's parser takes (Fastify knows fewer until told: PROPFIND, say), and /r1 alone
  // or /R1 as well as /r1/...: whatever reaches the gateway's addresses is answered in X-Road's
  // envelope (and logged), never by the site's not-found or CSRF handlers.
  for (const method of METHODS_NODE_TAKES) if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });
  const gatewayRoute = {
    method: app.supportedMethods,
    // The path past the service code names people (/awards/QQ123456A): the request log keeps /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE.
    config: { csrf: false, loggedPathSegments: 6, ...JSON_API_ROUTE_CONFIG },
    async handler(request: FastifyRequest, reply: FastifyReply) {
      const state = stateOf(request);
      try {
        refuseRepeatedHeaders(request.raw.rawHeaders);
        refuseUnfitReferences(request.headers);
        if (request.url.length > MAX_URI_LENGTH) throw new XRoadError('Client.BadRequest', `The request URI is longer than ${MAX_URI_LENGTH} characters`);
        // A fragment is never sent in a request target (RFC 9110 section 7.1): one that arrives is not passed on.
        if (request.url.includes('#')) throw new XRoadError('Client.BadRequest', 'The request URI must not hold a fragment (#)');
        if (request.body instanceof UnreadBody) {
          if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw new XRoadError('Client.BadRequest', 'The request body is larger than 10 MB');
          // The digest is read here only to hold back the body's end from a provider when it does not match; refusals say why in order.
          const digestHeader = request.headers['content-digest'];
          state.body = meterRequestBody(request.body.stream, { sha256: namesSha256(digestHeader), check: (received) => checkContentDigest(readContentDigest(digestHeader), received) });
        }
        if (!(METHODS as readonly string[]).includes(request.method)) throw new XRoadError('Client.BadRequest', `The exchange does not take ${request.method} calls: ${METHODS.join(', ')} only`);
        if (!request.url.startsWith(PREFIX)) throw new XRoadError('Client.BadRequest', 'Calls are made at /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE/path, in lower case');
        const path = readGatewayPath(request.url.slice(PREFIX.length));
        const callInput = {
          db: request.server.db,
          registry: await registry.current(),
          replayGuard: dependencies.replayGuard,
          instance: dependencies.instance,
          method: request.method,
          targetUri: `${dependencies.baseUrl}${request.url}`,
          headers: request.headers,
          hasBody: state.body !== undefined,
          facts: state.facts,
          now: clock(),
        };
        if (path.kind !== 'service') return await answerMetaservice(request, reply, state, path, callInput);
        const call = await authoriseCall({ ...callInput, target: path.target });
        // Bodies are kept only for a call whose client or provider subsystem asked (off by default).
        const keepers = await findPayloadKeepers(callInput.registry, { clientSubsystemId: call.client.id, providerSubsystemId: call.service.subsystem_id });
        const keep = (bodies: { request: Buffer | undefined; response: Buffer | undefined }) => (keepers.length === 0 ? undefined : sealPayloads({ box: dependencies.payloadBox, keepers, xRoadId: state.xRoadId, ...bodies, now: clock() }));
        const requestId = crypto.randomUUID();
        const expectedDigest = state.body && readContentDigest(request.headers['content-digest']);
        const answer = await forwardToProvider({
          requester: dependencies.requester,
          agents,
          url: providerUrlOf(call.service.base_url, call.target.path, call.target.query),
          method: request.method,
          headers: {
            accept: 'application/json',
            ...passableHeaders(request.headers),
            'x-road-client': call.clientIdentifier,
            'x-road-service': call.serviceIdentifier,
            'x-road-id': state.xRoadId,
            'x-road-request-id': requestId,
          },
          body: state.body && expectedDigest && { metered: state.body, contentLength: request.headers['content-length'], check: (received) => checkContentDigest(expectedDigest, received), keep: keepers.length > 0 },
          key: await dependencies.keys.current('request-signing'),
          timeoutMs: dependencies.providerTimeoutMs,
        });
        await settleRequestHash(request, state, answer.requestBody);
        const xRoadHeaders = {
          'x-road-client': call.clientIdentifier,
          'x-road-service': call.serviceIdentifier,
          'x-road-id': state.xRoadId,
          'x-road-request-id': requestId,
          'x-road-request-hash': state.requestHash ?? undefined,
        };
        if (request.method !== 'HEAD') {
          // Read whole (up to 10 MB) to cut it down to the agreed fields before the consumer sees any of it, whatever its status.
          const limited = limitToAgreedFields(await readWhole(answer.body), answer.contentType, call.fields, call.shape);
          await messageLog.append(entryOf(request, state, { statusCode: answer.status, responseHash: createHash('sha512').update(limited).digest('base64') }), keep({ request: answer.keptRequestBody, response: limited }));
          // Always re-serialised JSON, whatever media type the provider named; no body, no Content-Type.
          reply.code(answer.status).headers(answer.headers).headers(xRoadHeaders);
          return limited.length > 0 ? reply.header('content-type', ANSWER_CONTENT_TYPE).send(limited) : reply.send();
        }
        answer.finished
          .then(({ responseHash, failure }) => messageLog.append(entryOf(request, state, { statusCode: answer.status, responseHash, ...(failure ? { errorType: failure.type } : {}) }), keep({ request: answer.keptRequestBody, response: undefined })))
          .catch((error: unknown) => request.log.error({ err: error }, 'exchange message log record failed'));
        return reply.code(answer.status).headers(answer.headers).headers(xRoadHeaders).send(answer.body);
      } catch (error) {
        if (error instanceof XRoadError) return refuse(request, reply, state, error);
        throw error;
      }
    },
  };
  for (const url of [`${PREFIX}*`, '/r1', '/R1', '/R1/*']) app.route({ ...gatewayRoute, url });
}
