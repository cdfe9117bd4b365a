import { CliError, optionalStringOption as optionalString, requireStringOption as requireString, type CliCommand, type CliContext } from '../../platform/cli/cli-command.ts';
import type { Kernel } from '../../platform/kernel.ts';
import { ConsoleError } from './console.errors.ts';
import { ORGANISATION_TYPES } from './organisations/organisation.store.ts';
import { CLI_ACTOR, type Organisations } from './organisations/organisations.ts';

/** The console's refusals are messages for the person at the terminal. */
async function explainErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ConsoleError) throw new CliError(error.message);
    throw error;
  }
}

/** `civitas console ...`: what an operator sets up for a new department, and who else operates. */
export function createConsoleCommands(organisationsOf: (kernel: Kernel) => Organisations): CliCommand[] {
  return [
    {
      name: 'console operator add',
      summary: 'Make the person who signs in to the console with this email address an operator (all organisations)',
      usage: '--email EMAIL',
      options: { email: { type: 'string' } },
      async run(context) {
        const { operatorId } = await explainErrors(() =>
          organisationsOf(context.kernel()).addOperator({ email: requireString(context, 'email'), actor: CLI_ACTOR }),
        );
        context.print({ operator_id: operatorId }, `Added the operator ${operatorId}. They become one when they first sign in to /console with that email address.`);
        return 0;
      },
    },
    {
      name: 'console organisation add',
      summary: 'Create an organisation and email its first owner an invitation (valid 72 hours, single use)',
      usage: `--name NAME --owner-email EMAIL [--type ${ORGANISATION_TYPES.join('|')}] [--govuk-slug SLUG]`,
      options: { name: { type: 'string' }, 'owner-email': { type: 'string' }, type: { type: 'string' }, 'govuk-slug': { type: 'string' } },
      async run(context) {
        const name = requireString(context, 'name');
        const ownerEmail = requireString(context, 'owner-email');
        const type = optionalString(context, 'type');
        const govukSlug = optionalString(context, 'govuk-slug');
        const { organisation } = await explainErrors(() =>
          organisationsOf(context.kernel()).createOrganisation({
            name,
            ownerEmail,
            actor: CLI_ACTOR,
            ...(type === undefined ? {} : { type }),
            ...(govukSlug === undefined ? {} : { govukSlug }),
          }),
        );
        context.print({ organisation_id: organisation.id }, `Created the organisation "${organisation.name}": ${organisation.id}. Its owner has been sent an invitation.`);
        return 0;
      },
    },
    {
      name: 'console service add',
      summary: 'Create a service of an organisation',
      usage: '--organisation ID --name NAME',
      options: { organisation: { type: 'string' }, name: { type: 'string' } },
      async run(context) {
        const organisationId = requireString(context, 'organisation');
        const name = requireString(context, 'name');
        const service = await explainErrors(() => organisationsOf(context.kernel()).createService({ organisationId, name, actor: CLI_ACTOR }));
        context.print({ service_id: service.id }, `Created the service "${service.name}": ${service.id}`);
        return 0;
      },
    },
  ];
}
