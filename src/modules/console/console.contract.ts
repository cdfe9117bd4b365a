import type { Executor } from '../../platform/db/database.ts';
import { createServiceComponentStore } from './onboarding/service-component.store.ts';
import { createOrganisationStore } from './organisations/organisation.store.ts';

/** An organisation of the console, as other modules see it. */
export type ConsoleOrganisation = { id: string; name: string };

/** Finds a console organisation by its id, for a module that links its records to one. */
export async function findConsoleOrganisation(db: Executor, organisationId: string): Promise<ConsoleOrganisation | undefined> {
  const row = await createOrganisationStore(db).findOrganisation(organisationId);
  return row ? { id: row.id, name: row.name } : undefined;
}

/** A service of the console, as other modules see it. */
export type ConsoleService = { id: string; organisationId: string; name: string };

/** Finds a console service by its id, for a module that gives a service something of its own (a form). */
export async function findConsoleService(db: Executor, serviceId: string): Promise<ConsoleService | undefined> {
  const row = await createOrganisationStore(db).findServiceById(serviceId);
  return row ? { id: row.id, organisationId: row.organisation_id, name: row.name } : undefined;
}

/** The organisation whose service registered this One Login client in the console, if any. */
export async function findOrganisationOfOneLoginClient(db: Executor, clientId: string): Promise<string | undefined> {
  return (await createServiceComponentStore(db).findOwner('identity-client', clientId))?.organisation_id;
}
