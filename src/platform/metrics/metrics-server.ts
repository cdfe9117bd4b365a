import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.ts';

export type MetricsServer = {
  /** Where Prometheus scrapes, such as `http://127.0.0.1:9464/metrics`. */
  url: string;
  close(): Promise<void>;
};

/** The metrics server could not start: said in one line. */
export class MetricsServerError extends Error {
  override readonly name = 'MetricsServerError';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The token compared in constant time (of its digest), so timing tells nothing of it. */
function hasToken(request: IncomingMessage, token: string): boolean {
  const given = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

function answer(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(`${text}\n`);
}

/**
 * A web server of its own for Prometheus, apart from the public one: it answers `GET /metrics`
 * and nothing else, asks for the bearer token when one is set, and reads no request body.
 */
export async function startMetricsServer(options: {
  metrics: Metrics;
  host: string;
  port: number;
  token: string;
  logger: Logger;
}): Promise<MetricsServer> {
  const { metrics, token, logger } = options;
  metrics.collectProcessMetrics();
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') return answer(response, 404, 'Not found: this server answers only /metrics');
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(response, 405, 'Method not allowed', { allow: 'GET, HEAD' });
    if (token !== '' && !hasToken(request, token)) {
      return answer(response, 401, 'The metrics need METRICS_TOKEN as a bearer token', { 'www-authenticate': 'Bearer realm="metrics"' });
    }
    metrics.render().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        logger.warn({ err: error }, 'collecting metrics failed');
        answer(response, 500, 'Collecting the metrics failed');
      },
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.listen({ host: options.host, port: options.port });
  try {
    // Rejects with the error if the server emits one before it listens (the port is taken, say).
    await once(server, 'listening');
  } catch (error) {
    throw new MetricsServerError(`The metrics server cannot listen on ${options.host}:${options.port} (METRICS_HOST, METRICS_PORT): ${(error as Error).message}`);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  logger.info({ port }, 'metrics server listening');
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The metrics server if METRICS_PORT is set, for `npm start` and `civitas worker`. */
export async function startConfiguredMetricsServer(kernel: {
  config: { METRICS_PORT: number | ''; METRICS_HOST: string; METRICS_TOKEN: string };
  metrics: Metrics;
  logger: Logger;
}): Promise<MetricsServer | undefined> {
  const { config } = kernel;
  if (config.METRICS_PORT === '') return undefined;
  return startMetricsServer({ metrics: kernel.metrics, host: config.METRICS_HOST, port: config.METRICS_PORT, token: config.METRICS_TOKEN, logger: kernel.logger });
}
