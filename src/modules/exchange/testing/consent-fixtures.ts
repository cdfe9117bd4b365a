import { generateKeyPairSync } from 'node:crypto';
import type { Kernel } from '../../../platform/kernel.ts';
import { registerOneLoginClientOfService } from '../../console/console.contract.ts';
import { createPersonalDataSharing } from '../exchange.contract.ts';
import { runCommand } from './exchange-fixtures.ts';

export const RETURN_URL = 'https://blue-badge.example.gov.uk/consent-answer';

/** A One Login client registered by a service of the organisation, as its team does in the console. */
export async function registerClientOf(kernel: Kernel, organisationId: string, name = 'Blue Badge'): Promise<string> {
  const { service_id: serviceId } = await runCommand(kernel, 'console service add', { organisation: organisationId, name });
  const publicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return registerOneLoginClientOfService(
    { db: kernel.db, audit: kernel.audit },
    { serviceId: String(serviceId), client: { name, redirectUris: ['https://blue-badge.example.gov.uk/callback'], publicKey }, actor: 'operator:test' },
  );
}

/** Links the consumer subsystem to a new One Login client of its organisation; returns the client id. */
export async function linkConsumer(kernel: Kernel, input: { subsystem: string; organisationId: string }): Promise<string> {
  const clientId = await registerClientOf(kernel, input.organisationId);
  await runCommand(kernel, 'exchange subsystem link-one-login', { subsystem: input.subsystem, client: clientId, 'return-url': [RETURN_URL] });
  return clientId;
}

export function personalDataSharingOf(kernel: Kernel, clock?: () => Date) {
  return createPersonalDataSharing({ db: kernel.db, audit: kernel.audit, secrets: kernel.secrets, issuer: kernel.config.BASE_URL, ...(clock ? { clock } : {}) });
}

/** The person's record the tests' calls name (`/awards/AB123456C`) unless a test says otherwise. */
export const RECORD = 'AB123456C';

/** The person agrees on the consent page, as `subject` for the consumer's client, about `record`; returns the consumer's return URL with the answer. */
export async function giveConsent(kernel: Kernel, input: { client: string; agreementId: string; subject: string; record?: string; agree?: boolean }): Promise<URL> {
  const { consentRequests } = personalDataSharingOf(kernel);
  const id = await consentRequests.start({ client: input.client, agreementId: input.agreementId, record: input.record ?? RECORD, state: 'state-1', returnUrl: RETURN_URL });
  const subjectOf = async () => input.subject;
  await consentRequests.open(id, subjectOf);
  return new URL(await consentRequests.answer({ id, subjectOf, agree: input.agree ?? true, actor: 'account:test' }));
}
