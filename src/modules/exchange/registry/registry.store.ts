import type { Executor } from '../../../platform/db/database.ts';

/** `refused`: kept, so the organisation sees the refusal, until it asks again (which replaces it). */
export type MemberStatus = 'pending' | 'approved' | 'refused';
export type MemberRow = {
  id: string;
  organisation_id: string;
  instance: string;
  member_class: string;
  member_code: string;
  status: MemberStatus;
  created_by: string;
  created_at: string;
  approved_by: string | null;
  approved_at: string | null;
};
export type SubsystemRow = { id: string; member_id: string; subsystem_code: string; created_at: string };
export type SubsystemKeyRow = { thumbprint: string; subsystem_id: string; algorithm: string; public_jwk: string; created_at: string; revoked_at: string | null };
export type ServiceRow = {
  id: string;
  subsystem_id: string;
  service_code: string;
  base_url: string;
  openapi: string;
  openapi_format: string;
  endpoints: string;
  personal_data: number;
  /** 1 when each call must name a person (X-Road-UserId) whose consent is in force. */
  under_consent: number;
  created_at: string;
};
export type AccessRightRow = {
  id: string;
  service_id: string;
  client_subsystem_id: string;
  endpoint_method: string;
  endpoint_path: string;
  granted_by: string;
  created_at: string;
  revoked_by: string | null;
  revoked_at: string | null;
};

type Tables = {
  exchange_member: MemberRow;
  exchange_subsystem: SubsystemRow;
  exchange_subsystem_key: SubsystemKeyRow;
  exchange_service: ServiceRow;
  exchange_access_right: AccessRightRow;
};

/** A subsystem with its member, as a call needs it. */
export type SubsystemWithMember = SubsystemRow & { member: MemberRow };

/** Members, subsystems and their keys, services and access rights. */
export function createRegistryStore(db: Executor) {
  const tables = db.withTables<Tables>();
  const memberColumns = [
    'exchange_member.id as member_id',
    'exchange_member.organisation_id',
    'exchange_member.instance',
    'exchange_member.member_class',
    'exchange_member.member_code',
    'exchange_member.status',
    'exchange_member.created_by',
    'exchange_member.created_at as member_created_at',
    'exchange_member.approved_by',
    'exchange_member.approved_at',
  ] as const;
  type Joined = SubsystemRow & {
    member_id: string;
    organisation_id: string;
    instance: string;
    member_class: string;
    member_code: string;
    status: MemberStatus;
    created_by: string;
    member_created_at: string;
    approved_by: string | null;
    approved_at: string | null;
  };
  const withMember = (row: Joined | undefined): SubsystemWithMember | undefined =>
    row && {
      id: row.id,
      member_id: row.member_id,
      subsystem_code: row.subsystem_code,
      created_at: row.created_at,
      member: {
        id: row.member_id,
        organisation_id: row.organisation_id,
        instance: row.instance,
        member_class: row.member_class,
        member_code: row.member_code,
        status: row.status,
        created_by: row.created_by,
        created_at: row.member_created_at,
        approved_by: row.approved_by,
        approved_at: row.approved_at,
      },
    };
  const subsystemsWithMembers = () =>
    tables
      .selectFrom('exchange_subsystem')
      .innerJoin('exchange_member', 'exchange_member.id', 'exchange_subsystem.member_id')
      .select(['exchange_subsystem.id', 'exchange_subsystem.subsystem_code', 'exchange_subsystem.created_at', ...memberColumns]);

  return {
    async insertMember(row: MemberRow): Promise<void> {
      await tables.insertInto('exchange_member').values(row).execute();
    },
    findMember: (id: string) => tables.selectFrom('exchange_member').selectAll().where('id', '=', id).executeTakeFirst(),
    findMemberByIdentifier: (instance: string, memberClass: string, memberCode: string) =>
      tables
        .selectFrom('exchange_member')
        .selectAll()
        .where('instance', '=', instance)
        .where('member_class', '=', memberClass)
        .where('member_code', '=', memberCode)
        .executeTakeFirst(),
    listMembers: (instance: string) =>
      tables.selectFrom('exchange_member').selectAll().where('instance', '=', instance).orderBy('member_class').orderBy('member_code').execute(),
    listPendingMembers: (instance: string) =>
      tables.selectFrom('exchange_member').selectAll().where('instance', '=', instance).where('status', '=', 'pending').orderBy('created_at').orderBy('id').limit(500).execute(),
    /** Only while pending and with no subsystem (an operator may have added one from the command line). */
    async refusePendingMember(id: string): Promise<MemberRow | undefined> {
      const member = await tables.selectFrom('exchange_member').selectAll().where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
      if (!member) return undefined;
      const result = await tables
        .updateTable('exchange_member')
        .set({ status: 'refused' })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where((eb) => eb.not(eb.exists(eb.selectFrom('exchange_subsystem').select('exchange_subsystem.id').whereRef('exchange_subsystem.member_id', '=', 'exchange_member.id'))))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1 ? { ...member, status: 'refused' } : undefined;
    },
    /** A refused request of this organisation, or for this identifier, makes way for a new one. */
    async deleteRefusedMembers(match: { organisationId: string; instance: string; memberClass: string; memberCode: string }): Promise<void> {
      await tables
        .deleteFrom('exchange_member')
        .where('status', '=', 'refused')
        .where((eb) => eb.or([eb('organisation_id', '=', match.organisationId), eb.and([eb('instance', '=', match.instance), eb('member_class', '=', match.memberClass), eb('member_code', '=', match.memberCode)])]))
        .execute();
    },
    async approveMember(id: string, approvedBy: string, approvedAt: string): Promise<boolean> {
      const result = await tables
        .updateTable('exchange_member')
        .set({ status: 'approved', approved_by: approvedBy, approved_at: approvedAt })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async insertSubsystem(row: SubsystemRow): Promise<void> {
      await tables.insertInto('exchange_subsystem').values(row).execute();
    },
    async findSubsystem(id: string): Promise<SubsystemWithMember | undefined> {
      return withMember(await subsystemsWithMembers().where('exchange_subsystem.id', '=', id).executeTakeFirst());
    },
    async findSubsystemByIdentifier(id: { instance: string; memberClass: string; memberCode: string; subsystemCode: string }): Promise<SubsystemWithMember | undefined> {
      return withMember(
        await subsystemsWithMembers()
          .where('exchange_member.instance', '=', id.instance)
          .where('exchange_member.member_class', '=', id.memberClass)
          .where('exchange_member.member_code', '=', id.memberCode)
          .where('exchange_subsystem.subsystem_code', '=', id.subsystemCode)
          .executeTakeFirst(),
      );
    },
    listSubsystems: (memberId: string) =>
      tables.selectFrom('exchange_subsystem').selectAll().where('member_id', '=', memberId).orderBy('subsystem_code').execute(),

    async insertKeys(rows: SubsystemKeyRow[]): Promise<void> {
      if (rows.length > 0) await tables.insertInto('exchange_subsystem_key').values(rows).execute();
    },
    findKey: (thumbprint: string) => tables.selectFrom('exchange_subsystem_key').selectAll().where('thumbprint', '=', thumbprint).executeTakeFirst(),
    listKeys: (subsystemId: string) =>
      tables.selectFrom('exchange_subsystem_key').selectAll().where('subsystem_id', '=', subsystemId).orderBy('created_at').orderBy('thumbprint').execute(),
    /** The thumbprints of the subsystem's unrevoked keys. */
    listKeysInUse: async (subsystemId: string) =>
      (await tables.selectFrom('exchange_subsystem_key').select('thumbprint').where('subsystem_id', '=', subsystemId).where('revoked_at', 'is', null).execute()).map((row) => row.thumbprint),
    async revokeKey(subsystemId: string, thumbprint: string, revokedAt: string): Promise<boolean> {
      const result = await tables
        .updateTable('exchange_subsystem_key')
        .set({ revoked_at: revokedAt })
        .where('subsystem_id', '=', subsystemId)
        .where('thumbprint', '=', thumbprint)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async insertService(row: ServiceRow): Promise<void> {
      await tables.insertInto('exchange_service').values(row).execute();
    },
    findService: (id: string) => tables.selectFrom('exchange_service').selectAll().where('id', '=', id).executeTakeFirst(),
    findServiceByCode: (subsystemId: string, serviceCode: string) =>
      tables.selectFrom('exchange_service').selectAll().where('subsystem_id', '=', subsystemId).where('service_code', '=', serviceCode).executeTakeFirst(),
    /** The base URLs of the services of every member but this one. */
    listOtherMembersBaseUrls: async (memberId: string) =>
      (
        await tables
          .selectFrom('exchange_service')
          .innerJoin('exchange_subsystem', 'exchange_subsystem.id', 'exchange_service.subsystem_id')
          .select('exchange_service.base_url')
          .where('exchange_subsystem.member_id', '!=', memberId)
          .execute()
      ).map((row) => row.base_url),
    listServices: (subsystemId: string) =>
      tables.selectFrom('exchange_service').selectAll().where('subsystem_id', '=', subsystemId).orderBy('service_code').execute(),

    async insertAccessRight(row: AccessRightRow): Promise<void> {
      await tables.insertInto('exchange_access_right').values(row).execute();
    },
    listActiveAccessRights: (serviceId: string, clientSubsystemId: string) =>
      tables
        .selectFrom('exchange_access_right')
        .selectAll()
        .where('service_id', '=', serviceId)
        .where('client_subsystem_id', '=', clientSubsystemId)
        .where('revoked_at', 'is', null)
        .execute(),
    async revokeAccessRights(match: { serviceId: string; clientSubsystemId: string; method: string; path: string }, revokedBy: string, revokedAt: string): Promise<number> {
      const result = await tables
        .updateTable('exchange_access_right')
        .set({ revoked_by: revokedBy, revoked_at: revokedAt })
        .where('service_id', '=', match.serviceId)
        .where('client_subsystem_id', '=', match.clientSubsystemId)
        .where('endpoint_method', '=', match.method)
        .where('endpoint_path', '=', match.path)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

export type RegistryStore = ReturnType<typeof createRegistryStore>;
