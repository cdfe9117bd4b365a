import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CliError, type CliContext } from '../../../platform/cli/cli-command.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { outboundPolicyOf } from '../../../platform/net/outbound-request.ts';
import { createAgreements } from '../agreements/agreements.ts';
import { createRegistry, type Registry, type RegistryActor } from '../registry/registry.ts';

export const OPERATOR: RegistryActor = { audit: 'operator:test', isOperator: true };

/** Runs one of the app's CLI commands in this process, as `civitas NAME --json` would, and returns what it printed. */
export async function runCommand(kernel: Kernel, name: string, values: Record<string, string | boolean | string[]>, positionals: string[] = []): Promise<Record<string, unknown>> {
  const command = kernel.modules.flatMap((module) => module.commands ?? []).find((candidate) => candidate.name === name);
  if (!command) throw new Error(`no command ${name}`);
  let printed: unknown;
  const context: CliContext = { values, positionals, json: true, config: () => kernel.config, kernel: () => kernel, print: (data) => (printed = data), write: () => {}, warn: () => {} };
  const exitCode = await command.run(context);
  if (exitCode !== 0) throw new CliError(`${name} ended with ${exitCode}`);
  return printed as Record<string, unknown>;
}

/** A console organisation, made as an operator makes one. */
export async function addOrganisation(kernel: Kernel, name: string): Promise<string> {
  const { organisation_id: organisationId } = await runCommand(kernel, 'console organisation add', { name, 'owner-email': `owner@${name.toLowerCase().replace(/\W+/g, '-')}.example.gov.uk` });
  return String(organisationId);
}

export function createTestRegistry(kernel: Kernel, clock?: () => Date): Registry {
  return createRegistry({ db: kernel.db, audit: kernel.audit, instance: kernel.config.EXCHANGE_INSTANCE, outbound: outboundPolicyOf(kernel.config), ...(clock ? { clock } : {}) });
}

export type TestKeyPair = { privateKey: KeyObject; publicPem: string; algorithm: 'ecdsa-p256-sha256' | 'ed25519' };

export function generateTestKeyPair(kind: 'ec' | 'ed25519' = 'ec'): TestKeyPair {
  const { privateKey, publicKey } = kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), algorithm: kind === 'ec' ? 'ecdsa-p256-sha256' : 'ed25519' };
}

export const PIP_OPENAPI = `openapi: 3.0.3
info: {title: PIP award, version: '1'}
paths:
  /awards/{reference}:
    get:
      parameters: [{name: reference, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: The award
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Award'}
    post:
      parameters: [{name: reference, in: path, required: true, schema: {type: string}}]
      responses:
        '201': {description: Noted}
components:
  schemas:
    Award:
      type: object
      properties:
        status: {type: string, title: Award status, x-title-cy: Statws y dyfarniad}
        rate: {type: string, title: Rate of award, x-title-cy: Cyfradd y dyfarniad}
        name: {type: string}
`;

/** A provider member with a service, and a client member with a subsystem, both approved. */
export async function setUpProviderAndClient(kernel: Kernel, options: { baseUrl: string; clientKeys?: TestKeyPair[]; grant?: string | false; fields?: string | false; underConsent?: boolean }) {
  const registry = createTestRegistry(kernel);
  const providerMember = await registry.addMember({ organisationId: await addOrganisation(kernel, 'Benefits Agency'), memberClass: 'GOV', memberCode: 'BA001', actor: OPERATOR });
  const clientMember = await registry.addMember({ organisationId: await addOrganisation(kernel, 'Riverside Council'), memberClass: 'GOV', memberCode: 'RC002', actor: OPERATOR });
  const providerKey = generateTestKeyPair('ed25519');
  const provider = await registry.addSubsystem({ memberId: providerMember.id, subsystemCode: 'benefits', publicKeys: providerKey.publicPem, actor: OPERATOR });
  const clientKeys = options.clientKeys ?? [generateTestKeyPair('ec')];
  const client = await registry.addSubsystem({ memberId: clientMember.id, subsystemCode: 'blue-badge', publicKeys: clientKeys.map((key) => key.publicPem).join('\n'), actor: OPERATOR });
  const serviceId = await registry.addService({ subsystem: provider, serviceCode: 'pip-award', baseUrl: options.baseUrl, openApi: PIP_OPENAPI, personalData: true, underConsent: options.underConsent === true, actor: OPERATOR });
  if (options.grant !== false) await registry.grantAccess({ serviceId, client, ...(options.grant ? { endpoint: options.grant } : {}), actor: OPERATOR });
  const agreements = createAgreements({ db: kernel.db, audit: kernel.audit });
  let agreementId: string | undefined;
  if (options.fields !== false) {
    agreementId = await agreements.add({ providerMemberId: providerMember.id, consumerMemberId: clientMember.id, serviceId, purpose: 'Blue Badge eligibility', lawfulBasis: 'public-task', fields: options.fields ?? '$.status,$.rate', until: '2099-12-31', actor: OPERATOR });
    await agreements.approve(agreementId, providerMember.id, OPERATOR);
    await agreements.approve(agreementId, clientMember.id, OPERATOR);
  }
  return { registry, agreements, agreementId, providerMember, clientMember, provider, client, clientKeys, serviceId, service: `${provider}/pip-award` };
}
