import type { Executor } from '../../../platform/db/database.ts';

export const ORGANISATION_TYPES = ['department', 'council', 'agency', 'devolved', 'other'] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];
export const ROLES = ['owner', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export type OrganisationRow = { id: string; name: string; type: string; govuk_slug: string | null; created_at: string };
export type ServiceRow = { id: string; organisation_id: string; name: string; created_at: string };
export type MembershipRow = { id: string; organisation_id: string; person_key: string; email: string; role: string; created_at: string };
export type OperatorRow = { id: string; email: string; person_key: string | null; added_by: string; created_at: string };
/** `token_hash` is the SHA-256 of the emailed token; the token is not kept. */
export type InvitationRow = {
  id: string;
  organisation_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_by: string | null;
};

type Tables = {
  console_organisation: OrganisationRow;
  console_service: ServiceRow;
  console_membership: MembershipRow;
  console_operator: OperatorRow;
  console_invitation: InvitationRow;
};

/** The console's organisations, their services and members, the operators, and invitations. */
export function createOrganisationStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insertOrganisation(row: OrganisationRow): Promise<void> {
      await tables.insertInto('console_organisation').values(row).execute();
    },
    findOrganisation: (id: string) => tables.selectFrom('console_organisation').selectAll().where('id', '=', id).executeTakeFirst(),
    findOrganisationByName: (name: string) => tables.selectFrom('console_organisation').selectAll().where('name', '=', name).orderBy('id').executeTakeFirst(),
    listOrganisations: () => tables.selectFrom('console_organisation').selectAll().orderBy('name').orderBy('id').execute(),
    async listOrganisationsOf(personKey: string): Promise<Array<OrganisationRow & { role: string }>> {
      return tables
        .selectFrom('console_organisation')
        .innerJoin('console_membership', 'console_membership.organisation_id', 'console_organisation.id')
        .selectAll('console_organisation')
        .select('console_membership.role')
        .where('console_membership.person_key', '=', personKey)
        .orderBy('console_organisation.name')
        .orderBy('console_organisation.id')
        .execute();
    },

    async insertService(row: ServiceRow): Promise<void> {
      await tables.insertInto('console_service').values(row).execute();
    },
    listServices: (organisationId: string) =>
      tables.selectFrom('console_service').selectAll().where('organisation_id', '=', organisationId).orderBy('name').orderBy('id').execute(),
    findService: (organisationId: string, serviceId: string) =>
      tables.selectFrom('console_service').selectAll().where('organisation_id', '=', organisationId).where('id', '=', serviceId).executeTakeFirst(),
    findServiceById: (serviceId: string) => tables.selectFrom('console_service').selectAll().where('id', '=', serviceId).executeTakeFirst(),
    /** The services of these ids, each with its organisation's name, in one query. */
    async listServicesWithOrganisation(serviceIds: readonly string[]): Promise<Array<ServiceRow & { organisation_name: string }>> {
      if (serviceIds.length === 0) return [];
      return tables
        .selectFrom('console_service')
        .innerJoin('console_organisation', 'console_organisation.id', 'console_service.organisation_id')
        .selectAll('console_service')
        .select('console_organisation.name as organisation_name')
        .where('console_service.id', 'in', serviceIds)
        .execute();
    },

    async insertMembership(row: MembershipRow): Promise<void> {
      await tables.insertInto('console_membership').values(row).execute();
    },
    findMembership: (organisationId: string, personKey: string) =>
      tables.selectFrom('console_membership').selectAll().where('organisation_id', '=', organisationId).where('person_key', '=', personKey).executeTakeFirst(),
    findMembershipById: (organisationId: string, membershipId: string) =>
      tables.selectFrom('console_membership').selectAll().where('organisation_id', '=', organisationId).where('id', '=', membershipId).executeTakeFirst(),
    listMembers: (organisationId: string) =>
      tables.selectFrom('console_membership').selectAll().where('organisation_id', '=', organisationId).orderBy('email').orderBy('id').execute(),
    async countOwners(organisationId: string): Promise<number> {
      const row = await tables
        .selectFrom('console_membership')
        .select((eb) => eb.fn.countAll<string | number>().as('owners'))
        .where('organisation_id', '=', organisationId)
        .where('role', '=', 'owner')
        .executeTakeFirstOrThrow();
      return Number(row.owners);
    },
    async setRole(membershipId: string, role: Role): Promise<void> {
      await tables.updateTable('console_membership').set({ role }).where('id', '=', membershipId).execute();
    },
    async removeMembership(membershipId: string): Promise<void> {
      await tables.deleteFrom('console_membership').where('id', '=', membershipId).execute();
    },

    async insertOperator(row: OperatorRow): Promise<void> {
      await tables.insertInto('console_operator').values(row).execute();
    },
    findOperatorByEmail: (email: string) => tables.selectFrom('console_operator').selectAll().where('email', '=', email).executeTakeFirst(),
    findOperatorByPerson: (personKey: string) => tables.selectFrom('console_operator').selectAll().where('person_key', '=', personKey).executeTakeFirst(),
    /** Binds an operator row granted by email to the first person who signs in with it; whether it did. */
    async bindOperator(id: string, personKey: string): Promise<boolean> {
      const result = await tables.updateTable('console_operator').set({ person_key: personKey }).where('id', '=', id).where('person_key', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async insertInvitation(row: InvitationRow): Promise<void> {
      await tables.insertInto('console_invitation').values(row).execute();
    },
    findInvitationByTokenHash: (tokenHash: string) =>
      tables.selectFrom('console_invitation').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),
    listPendingInvitations: (organisationId: string, now: string) =>
      tables
        .selectFrom('console_invitation')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .where('accepted_at', 'is', null)
        .where('expires_at', '>', now)
        .orderBy('created_at')
        .execute(),
    findPendingInvitation: (organisationId: string, id: string, now: string) =>
      tables
        .selectFrom('console_invitation')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst(),
    /** Deletes an invitation not yet accepted, so its link no longer works: false if there was none. */
    async deletePendingInvitation(organisationId: string, id: string): Promise<boolean> {
      const result = await tables
        .deleteFrom('console_invitation')
        .where('organisation_id', '=', organisationId)
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    /** Marks the invitation used, once: false if it was used (or is being used) already. */
    async markInvitationAccepted(id: string, input: { at: string; by: string }): Promise<boolean> {
      const result = await tables
        .updateTable('console_invitation')
        .set({ accepted_at: input.at, accepted_by: input.by })
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type OrganisationStore = ReturnType<typeof createOrganisationStore>;
