import type { Executor } from '../../../platform/db/database.ts';

/** What a console service owns in another module, by that module's id for it. */
export const COMPONENT_KINDS = ['identity-client', 'notify-service', 'pay-account'] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export type ServiceComponentRow = {
  kind: ComponentKind;
  external_id: string;
  organisation_id: string;
  service_id: string;
  /** `<service id>:<kind>` for a kind a service has one of (Notify service, Pay account); null for clients. */
  single: string | null;
  created_at: string;
};

/** A secret made on a page, sealed, until the page after the redirect shows it once. */
export type OneTimeSecretRow = {
  id: string;
  session_hash: string;
  service_id: string;
  kind: string;
  sealed: string;
  created_at: string;
};

type Tables = { console_service_component: ServiceComponentRow; console_one_time_secret: OneTimeSecretRow };

export function createServiceComponentStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insertComponent(row: ServiceComponentRow): Promise<void> {
      await tables.insertInto('console_service_component').values(row).execute();
    },
    listComponents: (serviceId: string) =>
      tables.selectFrom('console_service_component').selectAll().where('service_id', '=', serviceId).orderBy('created_at').orderBy('external_id').execute(),
    /** The component, if it is this service's. */
    findComponent: (input: { serviceId: string; kind: ComponentKind; externalId: string }) =>
      tables
        .selectFrom('console_service_component')
        .selectAll()
        .where('service_id', '=', input.serviceId)
        .where('kind', '=', input.kind)
        .where('external_id', '=', input.externalId)
        .executeTakeFirst(),
    /** Whichever service owns the component, if any. */
    findOwner: (kind: ComponentKind, externalId: string) =>
      tables.selectFrom('console_service_component').selectAll().where('kind', '=', kind).where('external_id', '=', externalId).executeTakeFirst(),
    findSingle: (serviceId: string, kind: ComponentKind) =>
      tables.selectFrom('console_service_component').selectAll().where('single', '=', `${serviceId}:${kind}`).executeTakeFirst(),

    async insertSecret(row: OneTimeSecretRow): Promise<void> {
      await tables.insertInto('console_one_time_secret').values(row).execute();
    },
    listSecrets: (sessionHash: string, serviceId: string) =>
      tables
        .selectFrom('console_one_time_secret')
        .selectAll()
        .where('session_hash', '=', sessionHash)
        .where('service_id', '=', serviceId)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    /** Deletes one secret; whether this call did (a second request showing it at the same time gets false). */
    async removeSecret(id: string): Promise<boolean> {
      const result = await tables.deleteFrom('console_one_time_secret').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async removeSecretsBefore(createdBefore: string): Promise<void> {
      await tables.deleteFrom('console_one_time_secret').where('created_at', '<', createdBefore).execute();
    },
  };
}

export type ServiceComponentStore = ReturnType<typeof createServiceComponentStore>;
