import type { Executor } from '../../../platform/db/database.ts';

type Tables = {
  console_service_component: { kind: string; external_id: string; organisation_id: string; service_id: string };
  console_service: { id: string; organisation_id: string; name: string };
  console_organisation: { id: string; name: string };
  console_membership: { organisation_id: string; person_key: string; role: string };
};

export type TeamMembershipRow = { organisation_id: string; organisation_name: string; service_id: string; service_name: string; role: string };

/** Who may use another module's team pages: the members of the organisation whose service owns the component. */
export function createTeamMemberStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    /** The person's membership of the organisation that owns this component, with where it sits; undefined if none. */
    findMembership: (input: { kind: string; externalId: string; personKey: string }): Promise<TeamMembershipRow | undefined> =>
      tables
        .selectFrom('console_service_component')
        .innerJoin('console_service', 'console_service.id', 'console_service_component.service_id')
        .innerJoin('console_organisation', 'console_organisation.id', 'console_service.organisation_id')
        .innerJoin('console_membership', 'console_membership.organisation_id', 'console_service.organisation_id')
        .select([
          'console_organisation.id as organisation_id',
          'console_organisation.name as organisation_name',
          'console_service.id as service_id',
          'console_service.name as service_name',
          'console_membership.role',
        ])
        .where('console_service_component.kind', '=', input.kind)
        .where('console_service_component.external_id', '=', input.externalId)
        .where('console_membership.person_key', '=', input.personKey)
        .executeTakeFirst(),
    /** The person's membership of this organisation, with its name; undefined if none. */
    findOrganisationMembership: (input: { organisationId: string; personKey: string }): Promise<{ organisation_id: string; organisation_name: string; role: string } | undefined> =>
      tables
        .selectFrom('console_membership')
        .innerJoin('console_organisation', 'console_organisation.id', 'console_membership.organisation_id')
        .select(['console_organisation.id as organisation_id', 'console_organisation.name as organisation_name', 'console_membership.role'])
        .where('console_membership.organisation_id', '=', input.organisationId)
        .where('console_membership.person_key', '=', input.personKey)
        .executeTakeFirst(),
  };
}
