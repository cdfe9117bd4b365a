/**
 * What other modules may use of One Login. Everything else in src/modules/identity is private.
 */
import type { Database } from '../../platform/db/database.ts';
import { createClientRegistry, type NewClient } from './clients/clients.ts';

export type { NewClient } from './clients/clients.ts';

/** Registers a service (relying party) that signs people in; returns its client_id. */
export function registerRelyingParty(db: Database, client: NewClient): Promise<{ clientId: string }> {
  return createClientRegistry({ db }).add(client);
}

/** True if a service with this client_id is registered. */
export async function isRelyingPartyRegistered(db: Database, clientId: string): Promise<boolean> {
  return (await createClientRegistry({ db }).nameOf(clientId)) !== undefined;
}
