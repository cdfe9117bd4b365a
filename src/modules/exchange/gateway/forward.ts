import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { OutboundRequestError, type OutboundRequester } from '../../../platform/net/outbound-request.ts';
import { pickFields, type AnswerShape } from '../agreements/json-fields.ts';
import { answerHeadersFrom } from './answer-headers.ts';
import type { ExchangeKey } from './exchange-keys.ts';
import { MAX_BODY_BYTES, type MeteredBody, type ReceivedBody } from './request-body.ts';
import { signForwardedRequest } from './request-signature.ts';
import { XRoadError } from './xroad-error.ts';

/** PR-REST 4.3: hop-by-hop headers and those that would name the origin host are not passed on. */
const FILTERED = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'user-agent', 'server', 'content-length', 'expect']);
/** Set by the gateway only: whatever a client or provider sends under these names is replaced. */
const GATEWAY_HEADERS = new Set(['x-road-client', 'x-road-service', 'x-road-id', 'x-road-request-id', 'x-road-request-hash', 'x-road-error', 'signature', 'signature-input']);

/** The consumer's credentials and the path its call took are its own: not the provider's to see. */
const CONSUMER_ONLY = new Set(['cookie', 'authorization', 'forwarded', 'accept-encoding', 'via', 'x-real-ip', 'true-client-ip', 'x-client-ip', 'x-cluster-client-ip', 'client-ip', 'cf-connecting-ip', 'fastly-client-ip']);

/**
 * Headers that would change what the provider does or answers from what was signed and agreed:
 * another method (the override headers frameworks honour), another party (Civitas does not support
 * X-Road's represented parties), hop limits and proxy hops, or a part of a representation (an
 * answer is cut to the agreed fields and re-serialised, so a byte range of it means nothing).
 */
const CHANGES_THE_CALL = new Set(['x-http-method-override', 'x-http-method', 'x-method-override', 'x-road-represented-party', 'max-forwards', 'proxy-connection', 'range', 'if-range']);

/** RFC 9110 7.6.1: the headers Connection names are hop-by-hop, the consumer's connection's own. */
function namedByConnection(headers: IncomingHttpHeaders): Set<string> {
  const connection = headers.connection;
  const text = Array.isArray(connection) ? connection.join(',') : (connection ?? '');
  return new Set(text.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== ''));
}

/**
 * The consumer's headers a provider gets. A name with `_` is dropped: servers that read headers
 * as CGI variables take `x_road_client` for X-Road-Client, past every filter here.
 */
export function passableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const passed: Record<string, string> = {};
  const hopByHop = namedByConnection(headers);
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.includes('_') || FILTERED.has(name) || GATEWAY_HEADERS.has(name) || CONSUMER_ONLY.has(name) || CHANGES_THE_CALL.has(name) || hopByHop.has(name) || name.startsWith('x-forwarded-')) continue;
    passed[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return passed;
}

/** The provider's URL for a call: under its base URL, never beside it. */
export function providerUrlOf(baseUrl: string, path: string, query: string): string {
  const target = `${baseUrl}${path}${query}`;
  const base = new URL(baseUrl);
  const url = URL.canParse(target) ? new URL(target) : undefined;
  const basePath = base.pathname.replace(/\/$/, '');
  if (!url || url.origin !== base.origin || !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`) || basePath === '')) {
    throw new XRoadError('Client.BadRequest', 'The path does not stay under the service');
  }
  return target;
}

export type ProviderAnswer = {
  status: number;
  headers: Record<string, string | string[]>;
  /** The provider's Content-Type as it gave it: only to tell whether the answer is JSON (it is never passed on). */
  contentType: string | undefined;
  body: Transform;
  finished: Promise<{ responseHash: string; failure?: XRoadError }>;
  /** The request's body as the provider got it whole, when there was one. */
  requestBody: ReceivedBody | undefined;
  /** Its bytes, when the call's payloads are kept (`ForwardedBody.keep`). */
  keptRequestBody: Buffer | undefined;
};

/** Sockets to providers left open this long between calls; less than Node's own servers keep them (5 s). */
const IDLE_SOCKET_MS = 4_000;
/** Different providers' addresses this process keeps connections to at once. */
const MAX_AGENTS = 1_000;

/**
 * Kept-alive connections to providers, one pool per origin: a call need not open a TCP (and TLS)
 * connection of its own. A new connection still goes only to the address the call's own check
 * chose (its `lookup`), so a pooled one is always to an address checked when it was opened.
 */
export function createProviderAgents() {
  const agents = new Map<string, HttpAgent>();
  return {
    agentFor(url: URL): HttpAgent {
      const origin = `${url.protocol}//${url.host}`;
      let agent = agents.get(origin);
      if (!agent) {
        if (agents.size >= MAX_AGENTS) {
          const [oldest] = agents;
          oldest?.[1].destroy();
          if (oldest) agents.delete(oldest[0]);
        }
        const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
        agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
        agents.set(origin, agent);
      }
      return agent;
    },
    close(): void {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}

export type ProviderAgents = ReturnType<typeof createProviderAgents>;

/** A call's body on its way: passed on as it arrives, checked against its Content-Digest once whole. */
/** `keep`: its bytes are gathered as they pass, for a call whose payloads a member asked to keep (never otherwise). */
export type ForwardedBody = { metered: MeteredBody; contentLength: string | undefined; check(received: ReceivedBody): void; keep?: boolean };

/**
 * Sends the call to the provider, signed by Civitas, and gives back its answer as it arrives:
 * redirects are never followed, and the body is hashed and cut off past MAX_BODY_BYTES. A request
 * body streams through; nothing comes back until all of it arrived and matched its digest (if it
 * does not, the provider's request is cut short).
 */
export async function forwardToProvider(call: {
  requester: OutboundRequester;
  agents: ProviderAgents;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: ForwardedBody | undefined;
  key: ExchangeKey;
  timeoutMs: number;
}): Promise<ProviderAnswer> {
  const signal = AbortSignal.timeout(call.timeoutMs);
  let connection;
  try {
    connection = await call.requester.prepareConnection(call.url, signal);
  } catch (error) {
    throw describeFailure(error, signal);
  }
  const { body } = call;
  // Identity: the answer is cut as JSON, and a compressed one would need decompressing unbounded.
  const headers = { ...call.headers, 'accept-encoding': 'identity', ...(body?.contentLength === undefined ? {} : { 'content-length': body.contentLength }) };
  const fields = ['@method', '@target-uri', 'x-road-client', 'x-road-service', 'x-road-id', ...(body ? ['content-digest'] : []), ...(call.headers['x-road-userid'] !== undefined ? ['x-road-userid'] : [])];
  const signed = await signForwardedRequest({ method: call.method, url: call.url, headers }, call.key, fields);
  const send = connection.url.protocol === 'https:' ? httpsRequest : httpRequest;

  const outgoing = send({
    protocol: connection.url.protocol,
    hostname: connection.host,
    port: connection.url.port,
    path: `${connection.url.pathname}${connection.url.search}`,
    method: call.method,
    headers: signed,
    lookup: connection.lookup,
    agent: call.agents.agentFor(connection.url),
    signal,
  });
  const responded = new Promise<IncomingMessage>((resolve, reject) => {
    outgoing.on('response', resolve);
    outgoing.on('error', (error) => reject(describeFailure(error, signal)));
  });
  let requestBody: ReceivedBody | undefined;
  let response: IncomingMessage;
  const kept: Buffer[] | undefined = body?.keep ? [] : undefined;
  if (body) {
    body.metered.stream.pipe(outgoing);
    // Attached in the same turn as the pipe, so it sees every chunk the provider is sent.
    if (kept) body.metered.stream.on('data', (chunk: Buffer) => kept.push(chunk));
    // A provider gone before the body is through: the rest is read here, so the body still settles.
    outgoing.on('close', () => void body.metered.drain().catch(() => undefined));
    try {
      [requestBody, response] = await Promise.all([body.metered.received.then((received) => (body.check(received), received)), responded]);
    } catch (error) {
      outgoing.destroy();
      responded.catch(() => undefined);
      throw error;
    }
  } else {
    outgoing.end();
    response = await responded;
  }

  const hash = createHash('sha512');
  let size = 0;
  let failure: XRoadError | undefined;
  const answer = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        failure = new XRoadError('Server.ServerProxy.ServiceFailed', 'The answer was larger than 10 MB');
        done(failure);
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const finished = new Promise<{ responseHash: string; failure?: XRoadError }>((resolve) => {
    answer.on('end', () => resolve({ responseHash: hash.digest('base64') }));
    answer.on('close', () => {
      if (!answer.readableEnded) resolve({ responseHash: '', failure: failure ?? new XRoadError('Server.ServerProxy.NetworkError', 'The answer was cut off') });
    });
  });
  response.on('error', (error) => answer.destroy(describeFailure(error, signal)));
  response.pipe(answer);

  const status = response.statusCode ?? 502;
  const answerHeaders = answerHeadersFrom(response.headers);
  if (response.headers['content-encoding'] !== undefined && response.headers['content-encoding'] !== 'identity') {
    answer.destroy();
    throw new XRoadError('Server.ServerProxy.ServiceFailed', "The provider's answer is compressed though Civitas asked for it plain (Accept-Encoding: identity)");
  }
  return { status, headers: answerHeaders, contentType: response.headers['content-type'], body: answer, finished, requestBody, keptRequestBody: kept && Buffer.concat(kept) };
}

/** The whole of an answer's body; throws the XRoadError that cut it off. */
export async function readWhole(body: Transform): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk as Buffer);
  } catch (error) {
    throw error instanceof XRoadError ? error : new XRoadError('Server.ServerProxy.NetworkError', 'The answer was cut off');
  }
  return Buffer.concat(chunks);
}

/**
 * An answer, of any status, cut down to the fields the agreement names. An empty answer holds
 * nothing to cut; one that is not JSON cannot be cut, so it is not passed on at all.
 */
export function limitToAgreedFields(body: Buffer, contentType: string | string[] | undefined, fields: readonly string[], shape: AnswerShape): Buffer {
  if (body.length === 0) return body;
  const type = Array.isArray(contentType) ? contentType.join(',') : (contentType ?? '');
  let parsed: unknown;
  try {
    if (!/^application\/([a-z0-9.+-]+\+)?json\b/i.test(type.trim())) throw new Error('not JSON');
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new XRoadError('Server.ServerProxy.ServiceFailed', "The provider's answer is not JSON, so it cannot be limited to the agreed fields");
  }
  return Buffer.from(JSON.stringify(pickFields(parsed, fields, shape)));
}

function describeFailure(error: unknown, signal: AbortSignal): XRoadError {
  if (error instanceof XRoadError) return error;
  if (signal.aborted) return new XRoadError('Server.ServerProxy.NetworkError', 'The provider did not answer in time');
  if (error instanceof OutboundRequestError && (error.kind === 'refused-address' || error.kind === 'invalid-url')) {
    return new XRoadError('Server.ServerProxy.ServiceFailed', "The provider's address is not one Civitas may call");
  }
  return new XRoadError('Server.ServerProxy.NetworkError', 'Could not reach the provider');
}
