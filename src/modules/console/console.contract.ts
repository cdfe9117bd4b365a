import type { FastifyRequest } from 'fastify';
import type { AuditService } from '../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../platform/db/database.ts';
import { createTimeOrderedId } from '../../platform/db/time-ordered-id.ts';
import { lockIdOf, lockUntilTransactionEnds } from '../../platform/db/transaction-lock.ts';
import { createServiceClients, type NewClient } from '../identity/identity.contract.ts';
import { createServiceComponentStore } from './onboarding/service-component.store.ts';
import { createOrganisationStore } from './organisations/organisation.store.ts';
import { SESSION_COOKIE } from './pages/console.routes.ts';
import { createConsoleSessions } from './sessions/console-sessions.ts';

/** An organisation of the console, as other modules see it. */
export type ConsoleOrganisation = { id: string; name: string };

/** Finds a console organisation by its id, for a module that links its records to one. */
export async function findConsoleOrganisation(db: Executor, organisationId: string): Promise<ConsoleOrganisation | undefined> {
  const row = await createOrganisationStore(db).findOrganisation(organisationId);
  return row ? { id: row.id, name: row.name } : undefined;
}

/**
 * The console organisations that have a GOV.UK slug, with it: for a module that checks a record
 * names as its publisher only the organisation that holds it, and no other registered one.
 */
export async function listGovukSlugsOfConsoleOrganisations(db: Executor): Promise<Array<{ organisationId: string; govukSlug: string }>> {
  const rows = await createOrganisationStore(db).listOrganisations();
  return rows.flatMap((row) => (row.govuk_slug ? [{ organisationId: row.id, govukSlug: row.govuk_slug }] : []));
}

/**
 * An organisation for a module's built-in example (Exchange's demo members): no owner and no
 * invitation, so only operators reach it in the console. Found by its name when it exists, so
 * setting the example up again, from any number of processes at once, makes one. Audited.
 */
export async function findOrCreateExampleOrganisation(
  dependencies: { db: Database; audit: AuditService; clock?: () => Date },
  input: { name: string; type: 'department' | 'council' | 'agency'; actor: string },
): Promise<ConsoleOrganisation> {
  return dependencies.db.transaction().execute(async (transaction) => {
    await lockUntilTransactionEnds(transaction, lockIdOf(`console-example-organisation:${input.name}`));
    const store = createOrganisationStore(transaction);
    const existing = await store.findOrganisationByName(input.name);
    if (existing) return { id: existing.id, name: existing.name };
    const id = createTimeOrderedId();
    await store.insertOrganisation({ id, name: input.name, type: input.type, govuk_slug: null, created_at: (dependencies.clock ?? (() => new Date()))().toISOString() });
    await dependencies.audit.record({ actor: input.actor, action: 'console.organisation.created', subject: `console-organisation:${id}`, outcome: 'success', details: { type: input.type, example: true } }, transaction);
    return { id, name: input.name };
  });
}

/**
 * A service of an example organisation (the Blue Badge form's council), found by its name when it
 * exists, so setting the example up again, from any number of processes at once, makes one. Audited.
 */
export async function findOrCreateExampleService(
  dependencies: { db: Database; audit: AuditService; clock?: () => Date },
  input: { organisationId: string; name: string; actor: string },
): Promise<ConsoleService> {
  return dependencies.db.transaction().execute(async (transaction) => {
    await lockUntilTransactionEnds(transaction, lockIdOf(`console-example-service:${input.organisationId}:${input.name}`));
    const store = createOrganisationStore(transaction);
    const existing = (await store.listServices(input.organisationId)).find((service) => service.name === input.name);
    if (existing) return { id: existing.id, organisationId: existing.organisation_id, name: existing.name };
    const id = createTimeOrderedId();
    await store.insertService({ id, organisation_id: input.organisationId, name: input.name, created_at: (dependencies.clock ?? (() => new Date()))().toISOString() });
    await dependencies.audit.record({ actor: input.actor, action: 'console.service.created', subject: `console-service:${id}`, outcome: 'success', details: { organisationId: input.organisationId, example: true } }, transaction);
    return { id, organisationId: input.organisationId, name: input.name };
  });
}

/** A service of the console, as other modules see it. */
export type ConsoleService = { id: string; organisationId: string; name: string };

/** Finds a console service by its id, for a module that gives a service something of its own (a form). */
export async function findConsoleService(db: Executor, serviceId: string): Promise<ConsoleService | undefined> {
  const row = await createOrganisationStore(db).findServiceById(serviceId);
  return row ? { id: row.id, organisationId: row.organisation_id, name: row.name } : undefined;
}

/** Console services by their ids, each with its organisation's name (one query however many): ids not found are left out. */
export async function listConsoleServicesWithOrganisation(db: Executor, serviceIds: readonly string[]): Promise<Array<ConsoleService & { organisationName: string }>> {
  const rows = await createOrganisationStore(db).listServicesWithOrganisation(serviceIds);
  return rows.map((row) => ({ id: row.id, organisationId: row.organisation_id, name: row.name, organisationName: row.organisation_name }));
}

/** The organisation whose service registered this One Login client in the console, if any. */
export async function findOrganisationOfOneLoginClient(db: Executor, clientId: string): Promise<string | undefined> {
  return (await createServiceComponentStore(db).findOwner('identity-client', clientId))?.organisation_id;
}

/**
 * Registers a One Login client as a console service's own, as the service's onboarding page does
 * (audited), for a module that sets up an example service without the pages. Returns the client id.
 */
export async function registerOneLoginClientOfService(
  dependencies: { db: Database; audit: AuditService },
  input: { serviceId: string; client: NewClient; actor: string; clock?: () => Date },
): Promise<string> {
  const service = await createOrganisationStore(dependencies.db).findServiceById(input.serviceId);
  if (!service) throw new Error('no such console service');
  const { clientId } = await createServiceClients(dependencies.db).register(input.client);
  await createServiceComponentStore(dependencies.db).insertComponent({
    kind: 'identity-client',
    external_id: clientId,
    organisation_id: service.organisation_id,
    service_id: service.id,
    single: null,
    created_at: (input.clock ?? (() => new Date()))().toISOString(),
  });
  await dependencies.audit.record({ actor: input.actor, action: 'console.client.registered', subject: `client:${clientId}`, outcome: 'success', details: { organisationId: service.organisation_id, serviceId: service.id } });
  return clientId;
}

/**
 * Whether the person signed in to the console on this request is a member of an organisation,
 * and of which. The console's session cookie is sent to /console paths only, so only a page
 * under /console ever sees someone signed in.
 */
export async function findSignedInConsoleMember(db: Executor, request: FastifyRequest): Promise<{ organisationIds: string[]; email: string } | undefined> {
  const cookie = request.cookies[SESSION_COOKIE];
  const unsigned = cookie ? request.unsignCookie(cookie) : undefined;
  if (!unsigned?.valid || !unsigned.value) return undefined;
  const session = await createConsoleSessions({ db }).find(unsigned.value);
  if (!session) return undefined;
  const organisations = await createOrganisationStore(db).listOrganisationsOf(session.personKey);
  return organisations.length > 0 ? { organisationIds: organisations.map((organisation) => organisation.id), email: session.email } : undefined;
}

/** The email addresses of an organisation's members with one of these roles, for a module to tell its team of something. */
export async function listConsoleTeamEmails(db: Executor, organisationId: string, roles: readonly string[]): Promise<string[]> {
  return (await createOrganisationStore(db).listMembers(organisationId)).filter((member) => roles.includes(member.role)).map((member) => member.email);
}

/**
 * The Pay account of an example service (the Blue Badge form's council service), made once with
 * `createAccount` (Pay's, in the same transaction) as the service's onboarding page makes it;
 * found when it exists, also when another process made it meanwhile. Audited.
 */
export async function findOrCreateExamplePayAccount(
  dependencies: { db: Database; audit: AuditService; createAccount: (input: { name: string; actor: string; transaction: Executor }) => Promise<{ id: string }>; clock?: () => Date },
  input: { serviceId: string; actor: string },
): Promise<string> {
  return dependencies.db.transaction().execute(async (transaction) => {
    await lockUntilTransactionEnds(transaction, lockIdOf(`console-example-pay-account:${input.serviceId}`));
    const components = createServiceComponentStore(transaction);
    const existing = await components.findSingle(input.serviceId, 'pay-account');
    if (existing) return existing.external_id;
    const service = await createOrganisationStore(transaction).findServiceById(input.serviceId);
    if (!service) throw new Error('no such console service');
    const { id } = await dependencies.createAccount({ name: service.name.slice(0, 100), actor: input.actor, transaction });
    await components.insertComponent({ kind: 'pay-account', external_id: id, organisation_id: service.organisation_id, service_id: service.id, single: `${service.id}:pay-account`, created_at: (dependencies.clock ?? (() => new Date()))().toISOString() });
    await dependencies.audit.record({ actor: input.actor, action: 'console.pay-account.created', subject: `pay-account:${id}`, outcome: 'success', details: { serviceId: service.id, example: true } }, transaction);
    return id;
  });
}

/** The Pay account a console service owns, if it has made one, for a module that takes payments for the service (a form). */
export async function findPayAccountOfConsoleService(db: Executor, serviceId: string): Promise<string | undefined> {
  return (await createServiceComponentStore(db).findSingle(serviceId, 'pay-account'))?.external_id;
}

/** What a console service owns in other modules (One Login clients, its Notify service, its Pay account), by their ids there. */
export async function listConsoleServiceComponents(db: Executor, serviceId: string): Promise<Array<{ kind: string; externalId: string }>> {
  return (await createServiceComponentStore(db).listComponents(serviceId)).map((row) => ({ kind: row.kind, externalId: row.external_id }));
}

/** An organisation's services, by name. */
export async function listConsoleServicesOf(db: Executor, organisationId: string): Promise<ConsoleService[]> {
  return (await createOrganisationStore(db).listServices(organisationId)).map((row) => ({ id: row.id, organisationId: row.organisation_id, name: row.name }));
}
