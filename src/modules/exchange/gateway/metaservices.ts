import type { Database } from '../../../platform/db/database.ts';
import { findConsoleOrganisation } from '../../console/console.contract.ts';
import type { Endpoint } from '../registry/openapi-description.ts';
import { createRegistryStore, type ServiceRow, type SubsystemWithMember } from '../registry/registry.store.ts';
import { XRoadError } from './xroad-error.ts';

/**
 * PR-MREST metaservices: `listMethods` (every REST service of a provider with its endpoints),
 * `allowedMethods` (only what the caller may call), `getOpenAPI?serviceCode=` (a service's
 * description as it was registered), and `listClients` (the instance's members and subsystems).
 */

type EndpointEntry = { method: string; path: string };

function describeService(provider: SubsystemWithMember, service: ServiceRow, endpoints: EndpointEntry[]) {
  return {
    object_type: 'SERVICE',
    xroad_instance: provider.member.instance,
    member_class: provider.member.member_class,
    member_code: provider.member.member_code,
    subsystem_code: provider.subsystem_code,
    service_code: service.service_code,
    service_type: 'OPENAPI',
    endpoint_list: endpoints,
  };
}

const endpointsOf = (service: ServiceRow): EndpointEntry[] => (JSON.parse(service.endpoints) as Endpoint[]).map(({ method, path }) => ({ method, path }));

export async function listMethods(db: Database, provider: SubsystemWithMember) {
  const services = await createRegistryStore(db).listServices(provider.id);
  return { service: services.map((service) => describeService(provider, service, endpointsOf(service))) };
}

/** The caller's access rights, as X-Road lists them: `*` for any method, `**` for any path. */
export async function allowedMethods(db: Database, provider: SubsystemWithMember, client: SubsystemWithMember) {
  const store = createRegistryStore(db);
  const services = await store.listServices(provider.id);
  const allowed = [];
  for (const service of services) {
    const rights = await store.listActiveAccessRights(service.id, client.id);
    if (rights.length === 0) continue;
    allowed.push(describeService(provider, service, rights.map((right) => ({ method: right.endpoint_method, path: right.endpoint_path === '*' ? '**' : right.endpoint_path }))));
  }
  return { service: allowed };
}

export async function getOpenApi(db: Database, provider: SubsystemWithMember, query: string): Promise<{ contentType: string; body: string }> {
  const serviceCodes = new URLSearchParams(query.replace(/^\?/, '')).getAll('serviceCode');
  if (serviceCodes.length !== 1) throw new XRoadError('Client.BadRequest', 'Give one serviceCode');
  const service = await createRegistryStore(db).findServiceByCode(provider.id, serviceCodes[0] ?? '');
  if (!service) throw new XRoadError('Server.ServerProxy.UnknownService', `Unknown service code ${serviceCodes[0]}`);
  return { contentType: service.openapi_format === 'json' ? 'application/json;charset=utf-8' : 'text/yaml;charset=utf-8', body: service.openapi };
}

/** Approved members and their subsystems, named by their console organisation. */
export async function listClients(db: Database, instance: string) {
  const store = createRegistryStore(db);
  const members = (await store.listMembers(instance)).filter((member) => member.status === 'approved');
  const listed = [];
  for (const member of members) {
    const name = (await findConsoleOrganisation(db, member.organisation_id))?.name ?? '';
    const id = { xroad_instance: member.instance, member_class: member.member_class, member_code: member.member_code };
    listed.push({ id: { ...id, object_type: 'MEMBER' }, name });
    for (const subsystem of await store.listSubsystems(member.id)) listed.push({ id: { ...id, subsystem_code: subsystem.subsystem_code, object_type: 'SUBSYSTEM' }, name });
  }
  return { member: listed };
}
