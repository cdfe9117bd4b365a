import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AuditService } from '../audit/audit.service.ts';
import type { Config } from '../config/config.schema.ts';
import type { Database } from '../db/database.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Kernel } from '../kernel.ts';
import { loadAssets, registerAssetRoutes } from './assets.ts';
import { registerErrorHandling } from './errors.ts';
import { registerHealthRoutes } from './health.routes.ts';
import { DEFAULT_BODY_LIMIT_BYTES, registerJsonBodyParser } from './json-body.ts';
import { refuseUnstorableText } from './unstorable-text.ts';
import { createClientErrorHandler } from './oversized-request.ts';
import { MAX_PATH_PARAMETER_LENGTH, repairPercentEncoding } from './request-url.ts';
import { createTranslations, readMessageCatalogues, type Locale, type Translate } from './i18n.ts';
import { registerLocale } from './locale.ts';
import { registerSecurity, usesHttps } from './security.ts';
import { registerTeamAccess } from './team-access.ts';
import { createRequestLogger } from './request-logger.ts';
import { createPageRenderer, registerViews } from './views.ts';
import { registerDevelopmentOutboxPages } from '../mail/pages/development-outbox.routes.ts';
import { registerHttpMetrics } from '../metrics/http-metrics.ts';
import type { MailTransport } from '../mail/mail-transport.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { ServiceEvents } from '../events/service-events.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Database;
    audit: AuditService;
    jobs: JobQueue;
    mail: MailTransport;
    /** The figures for Prometheus: modules count through `metrics.counter(...)`. */
    metrics: Metrics;
    /** Service-level events for Insight: `serviceEvents.record(...)` (see platform/events). */
    serviceEvents: ServiceEvents;
    /** Text in each language, for pages rendered outside a Fastify request. */
    translations: Record<Locale, Translate>;
  }
}

const QUIET_PATHS = /^\/(healthz|readyz|assets\/)/;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;

export const platformMessages = readMessageCatalogues(join(import.meta.dirname, 'locales'));

/** How long the server waits for a client, in milliseconds. Node checks the first two every `checkIntervalMs`. */
export type ServerTimeouts = {
  /** From connecting (or the end of the last response) to the end of the request's headers. */
  headersMs: number;
  /** From the start of a request to the end of its body: 8 MiB, Notify's largest, needs 2.3 Mbit/s. */
  requestMs: number;
  /** A socket with no traffic either way while a request is in progress (a stuck client or handler). */
  idleSocketMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveMs: number;
  checkIntervalMs: number;
};

/**
 * Without these a client that sends its headers or body a byte at a time holds a connection (and
 * its memory) for ever; with them it is answered 408 and cut off. Keep-alive outlasts the 60
 * seconds a load balancer (AWS's, nginx's) keeps an idle connection, so the balancer always
 * closes first and never sends a request down a connection this server is closing.
 */
export const SERVER_TIMEOUTS: Readonly<ServerTimeouts> = {
  headersMs: 15_000,
  requestMs: 30_000,
  idleSocketMs: 60_000,
  keepAliveMs: 65_000,
  checkIntervalMs: 5_000,
};

/**
 * The Fastify instance with everything the kernel gives every module: security headers, cookies,
 * CSRF, languages, pages, assets, error pages and health checks. Modules are registered after.
 */
/**
 * Fastify's form of TRUST_PROXY: a number N believes the N hops nearest Civitas (the function
 * form, which is what a number means to Fastify's proxy-addr), a list believes those addresses.
 */
function trustedProxies(setting: Config['TRUST_PROXY']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (setting === false) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return [...setting];
}

export async function createHttpApp(
  kernel: Kernel,
  options: { serverTimeouts?: ServerTimeouts } = {},
): Promise<FastifyInstance> {
  const { config } = kernel;
  const timeouts = options.serverTimeouts ?? SERVER_TIMEOUTS;
  const app = Fastify({
    loggerInstance: kernel.logger as FastifyBaseLogger,
    trustProxy: trustedProxies(config.TRUST_PROXY),
    requestIdHeader: false,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // Load balancers poll the health checks and browsers fetch assets: neither is news.
      disableRequestLogging: (request) => QUIET_PATHS.test(request.url),
    }),
    // A load balancer's request id is kept so one id follows the request across systems.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return config.TRUST_PROXY !== false && typeof given === 'string' && REQUEST_ID_PATTERN.test(given)
        ? given
        : randomUUID();
    },
    childLoggerFactory: createRequestLogger,
    // A path that does not percent-decode, or a long parameter, reaches its route (and is refused
    // there in its API's envelope) instead of being answered by the router in no envelope at all.
    rewriteUrl: (request) => repairPercentEncoding(request.url ?? '/'),
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    clientErrorHandler: createClientErrorHandler({
      answers: kernel.modules.flatMap((module) => module.oversizedRequestAnswers ?? []),
      logger: kernel.logger,
    }),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    bodyLimit: DEFAULT_BODY_LIMIT_BYTES,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleSocketMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
  });

  app.decorate('config', config);
  app.decorate('db', kernel.db);
  app.decorate('audit', kernel.audit);
  app.decorate('jobs', kernel.jobs);
  app.decorate('mail', kernel.mail);
  app.decorate('metrics', kernel.metrics);
  app.decorate('serviceEvents', kernel.serviceEvents);
  registerTeamAccess(app);
  registerHttpMetrics(app, kernel.metrics);

  // Hooks every request runs take a callback: an async hook costs a promise and a microtask more.
  // No response may be kept by a browser or a proxy unless its route says so (the assets do):
  // pages show personal data, secrets and CSRF tokens, and each carries its own CSP nonce, which a
  // stored copy would replay. Set here, it reaches the pages oidc-provider answers as well.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    reply.header('cache-control', 'no-store');
    done();
  });

  // When stopping, answer the requests in flight, then close their connections, so a client's
  // keep-alive connection does not hold the process open.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  const translations = createTranslations([
    platformMessages,
    ...kernel.modules.flatMap((module) => module.messages ?? []),
  ]);
  app.decorate('translations', translations);
  const assets = loadAssets();
  registerJsonBodyParser(app);
  refuseUnstorableText(app);
  await registerSecurity(app, config);
  registerLocale(app, { translations, secureCookies: usesHttps(config) });
  registerViews(app, createPageRenderer({ config, assets, translations }));
  registerErrorHandling(app);
  registerAssetRoutes(app, assets);
  registerHealthRoutes(app, kernel);
  if (kernel.developmentOutbox) registerDevelopmentOutboxPages(app, kernel.developmentOutbox);
  return app;
}
