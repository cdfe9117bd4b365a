import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { createGroupCommit } from '../../platform/db/group-commit.ts';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import type { CivitasModule } from '../../platform/module.ts';
import { createOutboundRequester, outboundPolicyOf } from '../../platform/net/outbound-request.ts';
import { secretBoxesOf } from '../../platform/secrets/secret-box.ts';
import { agreementCommands } from './agreements/agreement.cli.ts';
import { consentCommands } from './consent/consent.cli.ts';
import { demoCommands } from './demo/demo.cli.ts';
import { demoOutboundPolicy, demoServiceIdentifier, setUpDemoExchange } from './demo/demo-exchange.ts';
import { registerDemoProviderRoutes } from './demo/demo-provider.routes.ts';
import { demoConsentedServiceIdentifier } from './demo/demo-consent.ts';
import { createExchangeCommands } from './exchange.cli.ts';
import { createExchangeKeys, EXCHANGE_JWKS_PATH, EXCHANGE_LOG_JWKS_PATH } from './gateway/exchange-keys.ts';
import { registerGatewayRoutes } from './gateway/gateway.routes.ts';
import { createReplayGuard } from './gateway/replay-guard.ts';
import { logCommands } from './message-log/log.cli.ts';
import { PAYLOAD_PURPOSE } from './payloads/keep-payloads.ts';
import { payloadCommands } from './payloads/payload.cli.ts';
import { createPayloadRetentionJob } from './payloads/payload-retention.job.ts';
import { createMessageLog } from './message-log/message-log.ts';
import { registerExchangeTeamPages } from './pages/exchange-team.pages.ts';
import { exchangeMigrations } from './migrations/exchange.migrations.ts';
import { createRegistry } from './registry/registry.ts';

/**
 * Exchange: data exchange between members on the model of X-Road. Members (console
 * organisations), their subsystems and keys, services and access rights; calls through
 * `/r1/...`, each checked, forwarded, and kept in a signed, hash-chained message log.
 */
export function createExchangeModule(options: { clock?: () => Date } = {}): CivitasModule {
  const clock = options.clock ?? (() => new Date());
  return {
    name: 'exchange',
    migrations: exchangeMigrations,
    messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
    commands: [
      ...createExchangeCommands((kernel) =>
        createRegistry({ db: kernel.db, audit: kernel.audit, instance: kernel.config.EXCHANGE_INSTANCE, outbound: outboundPolicyOf(kernel.config), clock }),
      ),
      ...agreementCommands,
      ...consentCommands,
      ...demoCommands,
      ...logCommands,
      ...payloadCommands,
    ],
    createJobHandlers(kernel) {
      const retention = createPayloadRetentionJob({ db: kernel.db, jobs: kernel.jobs, audit: kernel.audit, logger: kernel.logger, clock });
      return { [retention.type]: retention.handler };
    },
    async plugin(app: FastifyInstance) {
      const keys = createExchangeKeys({ db: app.db, secrets: secretBoxesOf(app.config), clock });
      const writes = createGroupCommit(app.db);
      await createPayloadRetentionJob({ db: app.db, jobs: app.jobs, audit: app.audit, logger: app.log, clock }).ensureScheduled();
      const outbound = app.config.DEMO_EXCHANGE ? demoOutboundPolicy(outboundPolicyOf(app.config), app.config.BASE_URL) : outboundPolicyOf(app.config);
      if (app.config.DEMO_EXCHANGE) {
        registerDemoProviderRoutes(app, { baseUrl: app.config.BASE_URL, keys, services: [demoServiceIdentifier(app.config.EXCHANGE_INSTANCE), demoConsentedServiceIdentifier(app.config.EXCHANGE_INSTANCE)] });
        await setUpDemoExchange({ db: app.db, audit: app.audit, secrets: secretBoxesOf(app.config), instance: app.config.EXCHANGE_INSTANCE, baseUrl: app.config.BASE_URL, outbound: outboundPolicyOf(app.config), clock });
      }
      app.get(EXCHANGE_JWKS_PATH, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(await keys.publish('request-signing')));
      app.get(EXCHANGE_LOG_JWKS_PATH, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(await keys.publish('message-log')));
      await registerExchangeTeamPages(app, { registry: createRegistry({ db: app.db, audit: app.audit, instance: app.config.EXCHANGE_INSTANCE, outbound: outboundPolicyOf(app.config), clock }) });
      await app.register(async (gateway) =>
        registerGatewayRoutes(gateway, {
          instance: app.config.EXCHANGE_INSTANCE,
          baseUrl: app.config.BASE_URL,
          providerTimeoutMs: app.config.EXCHANGE_PROVIDER_TIMEOUT_SECONDS * 1000,
          requester: createOutboundRequester(outbound),
          keys,
          messageLog: createMessageLog({ db: app.db, keys, writes, clock }),
          replayGuard: createReplayGuard({ db: app.db, writes }),
          payloadBox: secretBoxesOf(app.config).forPurpose(PAYLOAD_PURPOSE),
          clock,
        }),
      );
    },
  };
}

export const exchangeModule: CivitasModule = createExchangeModule();
