import { CliError, type CliCommand, type CliContext } from '../../../platform/cli/cli-command.ts';
import { outboundPolicyOf } from '../../../platform/net/outbound-request.ts';
import { readDemoCouncilKey, setUpDemoExchange } from './demo-exchange.ts';

function requireDemo(context: CliContext) {
  const kernel = context.kernel();
  if (!kernel.config.DEMO_EXCHANGE) throw new CliError('The Exchange example is off: set DEMO_EXCHANGE=true (never in production)');
  return kernel;
}

/** `civitas exchange demo show` and `demo key`: what the README's walk-through needs of the example. */
export const demoCommands: readonly CliCommand[] = [
  {
    name: 'exchange demo show',
    summary: "Set up Exchange's example (DEMO_EXCHANGE=true) if it is not, and print its identifiers: the council's client subsystem, the PIP award service, the agreement and a URL to call",
    async run(context) {
      const kernel = requireDemo(context);
      const demo = await setUpDemoExchange({ db: kernel.db, audit: kernel.audit, secrets: kernel.secrets, instance: kernel.config.EXCHANGE_INSTANCE, baseUrl: kernel.config.BASE_URL, outbound: outboundPolicyOf(kernel.config) });
      context.print(
        { client: demo.client, service: demo.service, service_id: demo.serviceId, agreement_id: demo.agreementId, example_url: demo.exampleUrl },
        [`Client subsystem: ${demo.client}`, `Service:          ${demo.service}`, `Agreement:        ${demo.agreementId} (status and rate only)`, `Call:             ${demo.exampleUrl}`].join('\n'),
      );
      return 0;
    },
  },
  {
    name: 'exchange demo key',
    summary: "Print the example council subsystem's private key (PEM), to sign calls with in the walk-through",
    async run(context) {
      const kernel = requireDemo(context);
      const pem = await readDemoCouncilKey({ db: kernel.db, secrets: kernel.secrets });
      if (pem === undefined) throw new CliError('The example is not set up yet: run `npx civitas exchange demo show` or start Civitas with DEMO_EXCHANGE=true');
      context.print({ private_key: pem }, pem.trimEnd());
      return 0;
    },
  },
];
