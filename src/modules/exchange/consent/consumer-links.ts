import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { findOrganisationOfOneLoginClient } from '../../console/console.contract.ts';
import { ExchangeError } from '../exchange.errors.ts';
import { parseSubsystem, type SubsystemIdentifier } from '../registry/identifiers.ts';
import { createRegistryStore } from '../registry/registry.store.ts';
import type { RegistryActor } from '../registry/registry.ts';
import { createConsentStore } from './consent.store.ts';

const MAX_RETURN_URLS = 10;
const MAX_URL_LENGTH = 500;

function readSubsystemIdentifier(text: string): SubsystemIdentifier | undefined {
  try {
    return parseSubsystem(text);
  } catch {
    return undefined;
  }
}

/** A consent page's return address: https (http only for localhost), no fragment, no user information. */
function checkReturnUrl(raw: string): string {
  const url = raw.length <= MAX_URL_LENGTH && URL.canParse(raw) ? new URL(raw) : undefined;
  const local = url !== undefined && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (!url || !(url.protocol === 'https:' || (local && url.protocol === 'http:')) || url.hash !== '' || url.username !== '' || url.password !== '' || url.href !== raw) {
    throw new ExchangeError('exchange.INVALID_URL', `Each return URL must be a full https URL (http only for localhost) of up to ${MAX_URL_LENGTH} characters, written as a browser would, with no fragment`);
  }
  return raw;
}

/**
 * Links a consumer subsystem to the One Login client whose pairwise `sub` it sends as
 * X-Road-UserId: a client that a service of the member's own organisation registered in the
 * console, so a member cannot speak for people as another organisation's client knows them.
 * The return URLs are the only addresses its consent page sends people back to.
 */
export async function linkConsumerToOneLogin(
  dependencies: { db: Database; audit: AuditService; clock?: () => Date },
  input: { subsystem: string; oneLoginClientId: string; returnUrls: readonly string[]; actor: RegistryActor },
): Promise<void> {
  const { db, audit } = dependencies;
  const identifier = readSubsystemIdentifier(input.subsystem);
  const subsystem = identifier && (await createRegistryStore(db).findSubsystemByIdentifier(identifier));
  if (!subsystem) throw new ExchangeError('exchange.SUBSYSTEM_NOT_FOUND', 'There is no such subsystem', 404);
  if ((await findOrganisationOfOneLoginClient(db, input.oneLoginClientId)) !== subsystem.member.organisation_id) {
    throw new ExchangeError('exchange.INVALID_CONSUMER_LINK', "The One Login client must be one that a service of the member's own organisation registered in the console");
  }
  if (input.returnUrls.length === 0 || input.returnUrls.length > MAX_RETURN_URLS) throw new ExchangeError('exchange.INVALID_URL', `Give 1 to ${MAX_RETURN_URLS} return URLs`);
  const returnUrls = input.returnUrls.map(checkReturnUrl);
  const at = (dependencies.clock ?? (() => new Date()))().toISOString();
  await db.transaction().execute(async (transaction) => {
    await createConsentStore(transaction).saveLink({ subsystem_id: subsystem.id, one_login_client_id: input.oneLoginClientId, return_urls: JSON.stringify(returnUrls), linked_by: input.actor.audit, linked_at: at });
    await audit.record({ actor: input.actor.audit, action: 'exchange.subsystem.linked-to-one-login', subject: `exchange-subsystem:${subsystem.id}`, outcome: 'success', details: { one_login_client_id: input.oneLoginClientId, return_urls: returnUrls.length } }, transaction);
  });
}
