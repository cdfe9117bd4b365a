import type { CivitasModule } from '../../platform/module.ts';
import { outboundPolicyOf } from '../../platform/net/outbound-request.ts';
import { createExchangeCommands } from './exchange.cli.ts';
import { exchangeMigrations } from './migrations/exchange.migrations.ts';
import { createRegistry } from './registry/registry.ts';

/**
 * Exchange: data exchange between members on the model of X-Road. Members (console
 * organisations), their subsystems and keys, services and access rights; calls through
 * `/r1/...`, each checked, forwarded, and kept in a signed, hash-chained message log.
 */
export function createExchangeModule(options: { clock?: () => Date } = {}): CivitasModule {
  const { clock } = options;
  return {
    name: 'exchange',
    migrations: exchangeMigrations,
    commands: createExchangeCommands((kernel) =>
      createRegistry({ db: kernel.db, audit: kernel.audit, instance: kernel.config.EXCHANGE_INSTANCE, outbound: outboundPolicyOf(kernel.config), ...(clock ? { clock } : {}) }),
    ),
  };
}

export const exchangeModule: CivitasModule = createExchangeModule();
