import type { Executor } from '../../platform/db/database.ts';
import { createOrganisationStore } from './organisations/organisation.store.ts';

/** A service of the console, as other modules see it. */
export type ConsoleService = { id: string; organisationId: string; name: string };

/** Finds a console service by its id, for a module that gives a service something of its own (a form). */
export async function findConsoleService(db: Executor, serviceId: string): Promise<ConsoleService | undefined> {
  const row = await createOrganisationStore(db).findServiceById(serviceId);
  return row ? { id: row.id, organisationId: row.organisation_id, name: row.name } : undefined;
}
