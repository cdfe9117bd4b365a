import { readFileSync } from 'node:fs';
import { CliError, optionalStringOption as optionalString, requireStringOption as requireString, type CliCommand, type CliContext } from '../../platform/cli/cli-command.ts';
import type { Kernel } from '../../platform/kernel.ts';
import { ExchangeError } from './exchange.errors.ts';
import type { Registry, RegistryActor } from './registry/registry.ts';

export const CLI_ACTOR: RegistryActor = { audit: 'operator:cli', isOperator: true };

function readFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`Cannot read the file ${file}`);
  }
}

function filesOf(context: CliContext, name: string): string[] {
  const value = context.values[name];
  const files = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  if (files.length === 0) throw new CliError(`Give --${name} FILE`, 2);
  return files;
}

/** Several key files: PEM blocks one after another, or their JWKs gathered into one JWK Set. */
function readKeyFiles(context: CliContext): string {
  const texts = filesOf(context, 'public-key').map(readFile);
  if (texts.length === 1 || texts.every((text) => text.trim().startsWith('-----BEGIN'))) return texts.join('\n');
  const keys = texts.flatMap((text) => {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && 'keys' in parsed && Array.isArray(parsed.keys) ? parsed.keys : [parsed];
  });
  return JSON.stringify({ keys });
}

/** The registry's refusals are messages for the person at the terminal. */
export async function explainErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ExchangeError) throw new CliError(error.message);
    if (error instanceof SyntaxError) throw new CliError('A key file is not valid JSON');
    throw error;
  }
}

/** `civitas exchange ...`: members, subsystems, services and access rights, as an operator sets them up. */
export function createExchangeCommands(registryOf: (kernel: Kernel) => Registry): CliCommand[] {
  return [
    {
      name: 'exchange member add',
      summary: 'Make a console organisation a member of the exchange (approved at once: an operator runs this)',
      usage: '--organisation ID --class GOV|COM|NGO|... --code CODE',
      options: { organisation: { type: 'string' }, class: { type: 'string' }, code: { type: 'string' } },
      async run(context) {
        const member = await explainErrors(() =>
          registryOf(context.kernel()).addMember({
            organisationId: requireString(context, 'organisation'),
            memberClass: requireString(context, 'class'),
            memberCode: requireString(context, 'code'),
            actor: CLI_ACTOR,
          }),
        );
        context.print({ member_id: member.id }, `Added the member ${member.instance}/${member.member_class}/${member.member_code}: ${member.id}`);
        return 0;
      },
    },
    {
      name: 'exchange member approve',
      summary: 'Approve a member that asked to join',
      usage: 'MEMBER_ID',
      async run(context) {
        const [memberId] = context.positionals;
        if (!memberId) throw new CliError('Give the member id to approve', 2);
        await explainErrors(() => registryOf(context.kernel()).approveMember(memberId, CLI_ACTOR));
        context.print({ member_id: memberId, status: 'approved' }, `Approved the member ${memberId}.`);
        return 0;
      },
    },
    {
      name: 'exchange subsystem add',
      summary: "Register a member's information system with its public keys (ES256 or Ed25519, PEM or JWK; repeat --public-key for several)",
      usage: '--member ID --code CODE --public-key FILE [--public-key FILE ...]',
      options: { member: { type: 'string' }, code: { type: 'string' }, 'public-key': { type: 'string', multiple: true } },
      async run(context) {
        const subsystemId = await explainErrors(() =>
          registryOf(context.kernel()).addSubsystem({
            memberId: requireString(context, 'member'),
            subsystemCode: requireString(context, 'code'),
            publicKeys: readKeyFiles(context),
            actor: CLI_ACTOR,
          }),
        );
        context.print({ subsystem_id: subsystemId }, `Registered the subsystem ${subsystemId}`);
        return 0;
      },
    },
    {
      name: 'exchange subsystem key add',
      summary: 'Add public keys to a subsystem (to rotate: add the new key, then revoke the old one)',
      usage: '--subsystem SUBSYSTEM_ID --public-key FILE [--public-key FILE ...]',
      options: { subsystem: { type: 'string' }, 'public-key': { type: 'string', multiple: true } },
      async run(context) {
        const keys = await explainErrors(() =>
          registryOf(context.kernel()).addKeys({ subsystem: requireString(context, 'subsystem'), publicKeys: readKeyFiles(context), actor: CLI_ACTOR }),
        );
        context.print({ keys }, `Added the keys ${keys.join(', ')}`);
        return 0;
      },
    },
    {
      name: 'exchange subsystem key revoke',
      summary: "Stop accepting a subsystem's key (by its JWK thumbprint)",
      usage: '--subsystem SUBSYSTEM_ID --key THUMBPRINT',
      options: { subsystem: { type: 'string' }, key: { type: 'string' } },
      async run(context) {
        const thumbprint = requireString(context, 'key');
        await explainErrors(() => registryOf(context.kernel()).revokeKey({ subsystem: requireString(context, 'subsystem'), thumbprint, lastKey: 'allow', actor: CLI_ACTOR }));
        context.print({ key: thumbprint, revoked: true }, `Revoked the key ${thumbprint}.`);
        return 0;
      },
    },
    {
      name: 'exchange service add',
      summary: 'Publish a service of a provider subsystem, described by OpenAPI (JSON or YAML)',
      usage: '--subsystem SUBSYSTEM_ID --code CODE --url BASE_URL --openapi FILE [--personal-data] [--under-consent]',
      options: { subsystem: { type: 'string' }, code: { type: 'string' }, url: { type: 'string' }, openapi: { type: 'string' }, 'personal-data': { type: 'boolean' }, 'under-consent': { type: 'boolean' } },
      async run(context) {
        const serviceId = await explainErrors(() =>
          registryOf(context.kernel()).addService({
            subsystem: requireString(context, 'subsystem'),
            serviceCode: requireString(context, 'code'),
            baseUrl: requireString(context, 'url'),
            openApi: readFile(requireString(context, 'openapi')),
            personalData: context.values['personal-data'] === true,
            underConsent: context.values['under-consent'] === true,
            actor: CLI_ACTOR,
          }),
        );
        context.print({ service_id: serviceId }, `Published the service: ${serviceId}`);
        return 0;
      },
    },
    {
      name: 'exchange access grant',
      summary: 'Let a client subsystem call a service (every endpoint, or those --endpoint names)',
      usage: '--service ID --client SUBSYSTEM_ID [--endpoint "GET /awards/*"]',
      options: { service: { type: 'string' }, client: { type: 'string' }, endpoint: { type: 'string' } },
      async run(context) {
        const endpoint = optionalString(context, 'endpoint');
        const accessRightId = await explainErrors(() =>
          registryOf(context.kernel()).grantAccess({ serviceId: requireString(context, 'service'), client: requireString(context, 'client'), ...(endpoint === undefined ? {} : { endpoint }), actor: CLI_ACTOR }),
        );
        context.print({ access_right_id: accessRightId }, `Granted: ${accessRightId}`);
        return 0;
      },
    },
    {
      name: 'exchange access revoke',
      summary: 'Take back an access right (the same --endpoint it was granted with)',
      usage: '--service ID --client SUBSYSTEM_ID [--endpoint "GET /awards/*"]',
      options: { service: { type: 'string' }, client: { type: 'string' }, endpoint: { type: 'string' } },
      async run(context) {
        const endpoint = optionalString(context, 'endpoint');
        const revoked = await explainErrors(() =>
          registryOf(context.kernel()).revokeAccess({ serviceId: requireString(context, 'service'), client: requireString(context, 'client'), ...(endpoint === undefined ? {} : { endpoint }), actor: CLI_ACTOR }),
        );
        context.print({ revoked }, `Revoked ${revoked} access right${revoked === 1 ? '' : 's'}.`);
        return 0;
      },
    },
  ];
}
