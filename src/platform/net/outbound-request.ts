import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Config } from '../config/config.schema.ts';
import { describeNonPublicAddress } from './public-address.ts';

/**
 * Calls a URL a service team gave us (a webhook, a callback) without letting that team reach
 * Civitas's own network: the host's addresses are checked, and the connection goes to the
 * address that was checked, so a second DNS answer cannot swap in a private one.
 */

export type OutboundPolicy = {
  /** https only. */
  production: boolean;
  /** Loopback, private and other non-public addresses too: for development and tests. */
  allowPrivateNetwork: boolean;
  /**
   * URLs under these prefixes may be on a non-public address even when `allowPrivateNetwork` is
   * off: a receiver Civitas itself runs (the Exchange example's provider), and nothing beside it.
   */
  privateUrlPrefixes?: readonly string[];
};

export function outboundPolicyOf(config: Config): OutboundPolicy {
  return { production: config.NODE_ENV === 'production', allowPrivateNetwork: config.OUTBOUND_ALLOW_PRIVATE_NETWORK };
}

export type OutboundUrlProblem = 'INVALID_URL' | 'HTTPS_REQUIRED' | 'PRIVATE_ADDRESS';

/**
 * What can be known of a URL without the network, as when a team registers it: an http(s)
 * address with no user name or password, https in production, and not a literal non-public IP
 * address or `localhost`. Returns the problem, or undefined when the URL may be tried.
 */
export function checkOutboundUrl(url: string, policy: OutboundPolicy): OutboundUrlProblem | undefined {
  if (!URL.canParse(url)) return 'INVALID_URL';
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'INVALID_URL';
  if (parsed.username || parsed.password || parsed.hostname === '') return 'INVALID_URL';
  if (policy.production && parsed.protocol !== 'https:') return 'HTTPS_REQUIRED';
  if (!mayBePrivate(parsed, policy) && describeLiteralHost(hostOf(parsed)) !== undefined) return 'PRIVATE_ADDRESS';
  return undefined;
}

/** Compared as parsed URLs, so `..` and percent-encoded dots cannot climb out of a prefix. */
function mayBePrivate(url: URL, policy: OutboundPolicy): boolean {
  if (policy.allowPrivateNetwork) return true;
  return (policy.privateUrlPrefixes ?? []).some((prefix) => {
    const allowed = new URL(prefix);
    const path = allowed.pathname.endsWith('/') ? allowed.pathname : `${allowed.pathname}/`;
    return url.origin === allowed.origin && (url.pathname === allowed.pathname || url.pathname.startsWith(path));
  });
}

export type OutboundErrorKind = 'invalid-url' | 'refused-address' | 'network' | 'timeout';

export class OutboundRequestError extends Error {
  readonly kind: OutboundErrorKind;
  constructor(kind: OutboundErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboundRequestError';
    this.kind = kind;
  }
}

export type ResolvedAddress = { address: string; family: number };
/** Every address a host name has: DNS (and /etc/hosts) by default; tests give their own. */
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

export type OutboundRequest = {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** For everything: resolving, connecting, and reading the answer. */
  timeoutMs: number;
  /** The most of the answer's body kept; the rest is not read. */
  maxResponseBytes?: number;
};

export type OutboundResponse = { status: number; body: string; bodyTruncated: boolean };

/** Where a checked request connects: the URL, its host without brackets, and the one address allowed. */
export type PreparedConnection = { url: URL; host: string; lookup: LookupFunction };

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

const resolveWithDns: ResolveHost = (hostname) => lookup(hostname, { all: true, order: 'verbatim' });

export function createOutboundRequester(options: OutboundPolicy & { resolveHost?: ResolveHost }) {
  const policy: OutboundPolicy = { production: options.production, allowPrivateNetwork: options.allowPrivateNetwork, privateUrlPrefixes: options.privateUrlPrefixes ?? [] };
  const resolveHost = options.resolveHost ?? resolveWithDns;

  async function chooseAddress(host: string, privateAllowed: boolean, signal: AbortSignal): Promise<ResolvedAddress> {
    const family = isIP(host);
    if (family !== 0) return { address: host, family };
    let addresses: ResolvedAddress[];
    try {
      addresses = await abortable(resolveHost(host), signal);
    } catch (error) {
      throw describeFailure(error, signal, `${host} could not be resolved`);
    }
    const [first] = addresses;
    if (first === undefined) throw new OutboundRequestError('network', `${host} has no address`);
    if (!privateAllowed) {
      // One private address among public ones is enough to refuse: which one a client uses is not ours to pick.
      for (const { address } of addresses) {
        const kind = describeNonPublicAddress(address);
        if (kind !== undefined) throw new OutboundRequestError('refused-address', `${host} resolves to a non-public address (${kind})`);
      }
    }
    return first;
  }

  /**
   * Checks a URL and its host's addresses against the policy, and gives what a request to it
   * needs: the host, and a lookup that connects only to the address checked. Throws
   * OutboundRequestError as `send` does.
   */
  async function prepareConnection(target: string, signal: AbortSignal): Promise<PreparedConnection> {
    const problem = checkOutboundUrl(target, policy);
    if (problem === 'PRIVATE_ADDRESS') {
      const parsed = new URL(target);
      throw new OutboundRequestError('refused-address', `${parsed.hostname} is a non-public address (${describeLiteralHost(hostOf(parsed))})`);
    }
    if (problem === 'HTTPS_REQUIRED') throw new OutboundRequestError('invalid-url', 'the address must be https');
    if (problem !== undefined) throw new OutboundRequestError('invalid-url', 'the address is not a full http or https URL');
    const url = new URL(target);
    const host = hostOf(url);
    const address = await chooseAddress(host, mayBePrivate(url, policy), signal);
    return { url, host, lookup: lookupOnly(address) };
  }

  return {
    policy,
    prepareConnection,

    /**
     * Sends the request and returns the answer, whatever its status; redirects are not
     * followed. Throws OutboundRequestError: `refused-address`, `invalid-url`, `network` or
     * `timeout`.
     */
    async send(request: OutboundRequest): Promise<OutboundResponse> {
      const signal = AbortSignal.timeout(request.timeoutMs);
      const { url, host, lookup } = await prepareConnection(request.url, signal);
      const body = request.body === undefined ? undefined : Buffer.from(request.body);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

      return new Promise<OutboundResponse>((resolve, reject) => {
        const outgoing = send(
          {
            protocol: url.protocol,
            hostname: host,
            port: url.port,
            path: `${url.pathname}${url.search}`,
            method: request.method,
            headers: { ...request.headers, ...(body === undefined ? {} : { 'content-length': String(body.length) }) },
            lookup,
            agent: false,
            signal,
          },
          (response) => {
            readLimited(response, request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES).then(
              ({ text, truncated }) => resolve({ status: response.statusCode ?? 0, body: text, bodyTruncated: truncated }),
              (error: unknown) => reject(describeFailure(error, signal, 'the answer was cut off')),
            );
          },
        );
        outgoing.on('error', (error) => reject(describeFailure(error, signal, 'could not connect')));
        outgoing.end(body);
      });
    },
  };
}

export type OutboundRequester = ReturnType<typeof createOutboundRequester>;

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Why a URL's host is known to be non-public without asking DNS: an IP address (the URL parser
 * has already turned decimal, octal and hex forms into dotted ones), or `localhost`.
 */
function describeLiteralHost(host: string): string | undefined {
  if (isIP(host) !== 0) return describeNonPublicAddress(host);
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') ? 'loopback' : undefined;
}

/** The connection goes to the address already checked, never to a fresh DNS answer. */
function lookupOnly(chosen: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [chosen]);
    else callback(null, chosen.address, chosen.family);
  };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function readLimited(response: IncomingMessage, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      response.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

function describeFailure(error: unknown, signal: AbortSignal, networkMessage: string): OutboundRequestError {
  if (error instanceof OutboundRequestError) return error;
  if (signal.aborted) return new OutboundRequestError('timeout', 'timed out', { cause: error });
  return new OutboundRequestError('network', networkMessage, { cause: error });
}
