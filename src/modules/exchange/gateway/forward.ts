import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { OutboundRequestError, type OutboundRequester } from '../../../platform/net/outbound-request.ts';
import { pickFields } from '../agreements/json-fields.ts';
import type { ExchangeKey } from './exchange-keys.ts';
import { contentDigestOf, signForwardedRequest } from './request-signature.ts';
import { XRoadError } from './xroad-error.ts';

/** Bodies larger than this are refused (requests) or cut off (answers). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** PR-REST 4.3: hop-by-hop headers and those that would name the origin host are not passed on. */
const FILTERED = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'user-agent', 'server', 'content-length', 'expect']);
/** Set by the gateway only: whatever a client or provider sends under these names is replaced. */
const GATEWAY_HEADERS = new Set(['x-road-client', 'x-road-service', 'x-road-id', 'x-road-request-id', 'x-road-request-hash', 'x-road-error', 'signature', 'signature-input']);

export function passableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || FILTERED.has(name) || GATEWAY_HEADERS.has(name)) continue;
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

export type ProviderAnswer = { status: number; headers: Record<string, string | string[]>; body: Transform; finished: Promise<{ responseHash: string; failure?: XRoadError }> };

/**
 * Sends the call to the provider, signed by Civitas, and gives back its answer as it arrives:
 * redirects are never followed, and the body is hashed and cut off past MAX_BODY_BYTES.
 */
export async function forwardToProvider(call: {
  requester: OutboundRequester;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
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
  const hasBody = call.body !== undefined && call.body.length > 0;
  const headers = { ...call.headers, ...(hasBody ? { 'content-digest': contentDigestOf(call.body as Buffer), 'content-length': String(call.body?.length) } : {}) };
  const fields = ['@method', '@target-uri', 'x-road-client', 'x-road-service', 'x-road-id', ...(hasBody ? ['content-digest'] : [])];
  const signed = await signForwardedRequest({ method: call.method, url: call.url, headers }, call.key, fields);
  const send = connection.url.protocol === 'https:' ? httpsRequest : httpRequest;

  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = send({
      protocol: connection.url.protocol,
      hostname: connection.host,
      port: connection.url.port,
      path: `${connection.url.pathname}${connection.url.search}`,
      method: call.method,
      headers: signed,
      lookup: connection.lookup,
      agent: false,
      signal,
    });
    outgoing.on('response', resolve);
    outgoing.on('error', (error) => reject(describeFailure(error, signal)));
    outgoing.end(hasBody ? call.body : undefined);
  });

  const hash = createHash('sha512');
  let size = 0;
  let failure: XRoadError | undefined;
  const body = new Transform({
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
    body.on('end', () => resolve({ responseHash: hash.digest('base64') }));
    body.on('close', () => {
      if (!body.readableEnded) resolve({ responseHash: '', failure: failure ?? new XRoadError('Server.ServerProxy.NetworkError', 'The answer was cut off') });
    });
  });
  response.on('error', (error) => body.destroy(describeFailure(error, signal)));
  response.pipe(body);

  const answerHeaders: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined && !FILTERED.has(name) && !GATEWAY_HEADERS.has(name)) answerHeaders[name] = value;
  }
  return { status: response.statusCode ?? 502, headers: answerHeaders, body, finished };
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
 * A successful answer cut down to the fields the agreement names. An empty answer holds nothing
 * to cut; one that is not JSON cannot be cut, so it is not passed on at all.
 */
export function limitToAgreedFields(body: Buffer, contentType: string | string[] | undefined, fields: readonly string[]): Buffer {
  if (body.length === 0) return body;
  const type = Array.isArray(contentType) ? contentType.join(',') : (contentType ?? '');
  let parsed: unknown;
  try {
    if (!/^application\/([a-z0-9.+-]+\+)?json\b/i.test(type.trim())) throw new Error('not JSON');
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new XRoadError('Server.ServerProxy.ServiceFailed', "The provider's answer is not JSON, so it cannot be limited to the agreed fields");
  }
  return Buffer.from(JSON.stringify(pickFields(parsed, fields)));
}

function describeFailure(error: unknown, signal: AbortSignal): XRoadError {
  if (error instanceof XRoadError) return error;
  if (signal.aborted) return new XRoadError('Server.ServerProxy.NetworkError', 'The provider did not answer in time');
  if (error instanceof OutboundRequestError && (error.kind === 'refused-address' || error.kind === 'invalid-url')) {
    return new XRoadError('Server.ServerProxy.ServiceFailed', "The provider's address is not one Civitas may call");
  }
  return new XRoadError('Server.ServerProxy.NetworkError', 'Could not reach the provider');
}
