import { CliError, optionalStringOption, requireStringOption, type CliCommand } from '../../../platform/cli/cli-command.ts';
import { CLI_ACTOR, explainErrors } from '../exchange.cli.ts';
import { createAgreements, LAWFUL_BASES, type Agreements } from './agreements.ts';

function agreementIdOf(positionals: readonly string[]): string {
  const [id] = positionals;
  if (!id) throw new CliError('Give the agreement id', 2);
  return id;
}

/** `exchange agreement VERB ID --as MEMBER_ID`: one side acts on an agreement. */
function sideCommand(verb: string, summary: string, act: (agreements: Agreements, id: string, asMemberId: string) => Promise<{ data: unknown; text: string }>): CliCommand {
  return {
    name: `exchange agreement ${verb}`,
    summary,
    usage: 'AGREEMENT_ID --as MEMBER_ID',
    options: { as: { type: 'string' } },
    async run(context) {
      const id = agreementIdOf(context.positionals);
      const kernel = context.kernel();
      const { data, text } = await explainErrors(() => act(createAgreements({ db: kernel.db, audit: kernel.audit }), id, requireStringOption(context, 'as')));
      context.print(data, text);
      return 0;
    },
  };
}

/** `civitas exchange agreement ...`: data sharing agreements, drafted by an operator, approved by each side. */
export const agreementCommands: readonly CliCommand[] = [
  {
    name: 'exchange agreement add',
    summary: 'Draft a data sharing agreement; it is in force once both members approve it',
    usage: `--provider MEMBER_ID --consumer MEMBER_ID --service ID --purpose TEXT --lawful-basis ${LAWFUL_BASES.join('|')} [--legal-gateway TEXT] --fields '$.status,$.rate' [--from DATE] --until DATE`,
    options: {
      provider: { type: 'string' },
      consumer: { type: 'string' },
      service: { type: 'string' },
      purpose: { type: 'string' },
      'lawful-basis': { type: 'string' },
      'legal-gateway': { type: 'string' },
      fields: { type: 'string' },
      from: { type: 'string' },
      until: { type: 'string' },
    },
    async run(context) {
      const legalGateway = optionalStringOption(context, 'legal-gateway');
      const from = optionalStringOption(context, 'from');
      const kernel = context.kernel();
      const agreementId = await explainErrors(() =>
        createAgreements({ db: kernel.db, audit: kernel.audit }).add({
          providerMemberId: requireStringOption(context, 'provider'),
          consumerMemberId: requireStringOption(context, 'consumer'),
          serviceId: requireStringOption(context, 'service'),
          purpose: requireStringOption(context, 'purpose'),
          lawfulBasis: requireStringOption(context, 'lawful-basis'),
          fields: requireStringOption(context, 'fields'),
          until: requireStringOption(context, 'until'),
          ...(legalGateway === undefined ? {} : { legalGateway }),
          ...(from === undefined ? {} : { from }),
          actor: CLI_ACTOR,
        }),
      );
      context.print({ agreement_id: agreementId }, `Drafted the agreement ${agreementId}. Each member approves it: civitas exchange agreement approve ${agreementId} --as MEMBER_ID`);
      return 0;
    },
  },
  sideCommand('approve', "Approve a draft agreement for one of its members (the provider's or the consumer's side)", async (agreements, id, asMemberId) => {
    const status = await agreements.approve(id, asMemberId, CLI_ACTOR);
    return { data: { agreement_id: id, status }, text: status === 'active' ? 'Approved by both members: the agreement is in force.' : 'Approved; it waits for the other member.' };
  }),
  sideCommand('suspend', 'Suspend an agreement in force for one of its members: calls under it are refused until that member resumes it', async (agreements, id, asMemberId) => {
    await agreements.suspend(id, asMemberId, CLI_ACTOR);
    return { data: { agreement_id: id, status: 'suspended' }, text: `The agreement is suspended. To resume it: civitas exchange agreement resume ${id} --as ${asMemberId}` };
  }),
  sideCommand('resume', 'Resume an agreement the member suspended: it is in force again until its end date', async (agreements, id, asMemberId) => {
    await agreements.resume(id, asMemberId, CLI_ACTOR);
    return { data: { agreement_id: id, status: 'active' }, text: 'The agreement is in force again.' };
  }),
  sideCommand('end', 'End an agreement for one of its members: the next call under it is refused', async (agreements, id, asMemberId) => {
    await agreements.end(id, asMemberId, CLI_ACTOR);
    return { data: { agreement_id: id, status: 'ended' }, text: 'The agreement has ended.' };
  }),
];
