import { CliError, requireStringOption, type CliCommand } from '../../../platform/cli/cli-command.ts';
import { CLI_ACTOR, explainErrors } from '../exchange.cli.ts';
import { linkConsumerToOneLogin } from './consumer-links.ts';

/** `civitas exchange subsystem link-one-login`: how a consumer names people, and where its consent page returns. */
export const consentCommands: readonly CliCommand[] = [
  {
    name: 'exchange subsystem link-one-login',
    summary: "Say which One Login client (one a service of the member's organisation registered in the console) gives the `sub` this consumer subsystem sends as X-Road-UserId, and where the consent page may send people back to",
    usage: '--subsystem SUBSYSTEM_ID --client ONE_LOGIN_CLIENT_ID --return-url URL [--return-url URL ...]',
    options: { subsystem: { type: 'string' }, client: { type: 'string' }, 'return-url': { type: 'string', multiple: true } },
    async run(context) {
      const given = context.values['return-url'];
      const returnUrls = Array.isArray(given) ? given : typeof given === 'string' ? [given] : [];
      if (returnUrls.length === 0) throw new CliError('Give --return-url URL', 2);
      const subsystem = requireStringOption(context, 'subsystem');
      const kernel = context.kernel();
      await explainErrors(() => linkConsumerToOneLogin({ db: kernel.db, audit: kernel.audit }, { subsystem, oneLoginClientId: requireStringOption(context, 'client'), returnUrls, actor: CLI_ACTOR }));
      context.print({ subsystem_id: subsystem, one_login_client_id: requireStringOption(context, 'client') }, `Linked ${subsystem} to its One Login client.`);
      return 0;
    },
  },
];
