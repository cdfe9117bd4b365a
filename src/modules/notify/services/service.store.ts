import { sql } from 'kysely';
import type { Executor } from '../../../platform/db/database.ts';
import { notSealedUnderCurrentKey } from '../../../platform/secrets/resealing.store.ts';

export type ServiceRow = {
  id: string;
  name: string;
  active: number;
  system_key: string | null;
  rate_limit: number;
  email_daily_limit: number;
  sms_daily_limit: number;
  letter_daily_limit: number;
  retention_days: number;
  can_send_international_sms: number;
  sms_sender: string;
  delivery_callback_url: string | null;
  delivery_callback_token: string | null;
  inbound_callback_url: string | null;
  inbound_callback_token: string | null;
  inbound_number: string | null;
  created_at: string;
};

export type ApiKeyType = 'normal' | 'team' | 'test';

export type ApiKeyRow = {
  id: string;
  service_id: string;
  name: string;
  key_type: ApiKeyType;
  /** The shared secret, sealed at rest (see secret-box.ts). */
  secret: string;
  created_at: string;
  revoked_at: string | null;
};

export type TeamMemberRow = { service_id: string; email_address: string; phone_number: string | null; created_at: string };
export type GuestListRow = { service_id: string; recipient: string; recipient_type: 'email' | 'mobile'; created_at: string };
export type SenderRow = {
  id: string;
  service_id: string;
  sender_type: 'email_reply_to' | 'sms_sender';
  value: string;
  is_default: number;
  created_at: string;
};

export type SecretToReseal = {
  column: 'notify_api_key.secret' | 'notify_service.delivery_callback_token' | 'notify_service.inbound_callback_token';
  id: string;
  stored: string;
};

type ServiceTables = {
  notify_service: ServiceRow;
  notify_api_key: ApiKeyRow;
  notify_team_member: TeamMemberRow;
  notify_guest_list: GuestListRow;
  notify_sender: SenderRow;
};

export function createServiceStore() {
  const tables = (executor: Executor) => executor.withTables<ServiceTables>();
  return {
    async insertService(executor: Executor, row: ServiceRow): Promise<void> {
      await tables(executor).insertInto('notify_service').values(row).execute();
    },
    async findService(executor: Executor, id: string): Promise<ServiceRow | undefined> {
      return tables(executor).selectFrom('notify_service').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async findServiceBySystemKey(executor: Executor, systemKey: string): Promise<ServiceRow | undefined> {
      return tables(executor).selectFrom('notify_service').selectAll().where('system_key', '=', systemKey).executeTakeFirst();
    },
    async findServiceByInboundNumber(executor: Executor, inboundNumber: string): Promise<ServiceRow | undefined> {
      return tables(executor).selectFrom('notify_service').selectAll().where('inbound_number', '=', inboundNumber).executeTakeFirst();
    },
    async listServices(executor: Executor, ids?: readonly string[]): Promise<ServiceRow[]> {
      let query = tables(executor).selectFrom('notify_service').selectAll().orderBy('name');
      if (ids) {
        if (ids.length === 0) return [];
        query = query.where('id', 'in', ids);
      }
      return query.execute();
    },
    async updateService(executor: Executor, id: string, changes: Partial<Omit<ServiceRow, 'id' | 'created_at'>>): Promise<boolean> {
      const result = await tables(executor).updateTable('notify_service').set(changes).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async insertApiKey(executor: Executor, row: ApiKeyRow): Promise<void> {
      await tables(executor).insertInto('notify_api_key').values(row).execute();
    },
    /** Read for API requests (through the core's read cache): written as SQL. */
    async listApiKeys(executor: Executor, serviceId: string): Promise<ApiKeyRow[]> {
      const result = await sql<ApiKeyRow>`select id, service_id, name, key_type, secret, created_at, revoked_at
        from notify_api_key where service_id = ${serviceId} order by created_at`.execute(executor);
      return result.rows;
    },
    /** Sealed values stored in another way than under the current key (`currentPrefix`), by column. */
    async listSecretsToReseal(executor: Executor, currentPrefix: string): Promise<SecretToReseal[]> {
      const box = { currentPrefix };
      const [keys, services] = await Promise.all([
        tables(executor).selectFrom('notify_api_key').select(['id', 'secret']).where(notSealedUnderCurrentKey('secret', box)).execute(),
        tables(executor)
          .selectFrom('notify_service')
          .select(['id', 'delivery_callback_token', 'inbound_callback_token'])
          .where((where) =>
            where.or([notSealedUnderCurrentKey('delivery_callback_token', box), notSealedUnderCurrentKey('inbound_callback_token', box)]),
          )
          .execute(),
      ]);
      const found: SecretToReseal[] = keys.map((key) => ({ column: 'notify_api_key.secret', id: key.id, stored: key.secret }));
      for (const service of services) {
        for (const column of ['delivery_callback_token', 'inbound_callback_token'] as const) {
          const stored = service[column];
          if (stored !== null && !stored.startsWith(currentPrefix)) found.push({ column: `notify_service.${column}`, id: service.id, stored });
        }
      }
      return found;
    },
    /** Replaces a secret only if it is still the value read: false if another process did first. */
    async replaceSecret(executor: Executor, change: SecretToReseal & { replacement: string }): Promise<boolean> {
      const db = tables(executor);
      const query =
        change.column === 'notify_api_key.secret'
          ? db.updateTable('notify_api_key').set({ secret: change.replacement }).where('id', '=', change.id).where('secret', '=', change.stored)
          : db
              .updateTable('notify_service')
              .set(change.column === 'notify_service.delivery_callback_token' ? { delivery_callback_token: change.replacement } : { inbound_callback_token: change.replacement })
              .where('id', '=', change.id)
              .where(change.column === 'notify_service.delivery_callback_token' ? 'delivery_callback_token' : 'inbound_callback_token', '=', change.stored);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async revokeApiKey(executor: Executor, revoke: { serviceId: string; keyId: string; now: string }): Promise<boolean> {
      const result = await tables(executor)
        .updateTable('notify_api_key')
        .set({ revoked_at: revoke.now })
        .where('id', '=', revoke.keyId)
        .where('service_id', '=', revoke.serviceId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async upsertTeamMember(executor: Executor, row: TeamMemberRow): Promise<void> {
      await tables(executor)
        .insertInto('notify_team_member')
        .values(row)
        .onConflict((conflict) => conflict.columns(['service_id', 'email_address']).doUpdateSet({ phone_number: row.phone_number }))
        .execute();
    },
    async deleteTeamMember(executor: Executor, member: { serviceId: string; emailAddress: string }): Promise<boolean> {
      const result = await tables(executor)
        .deleteFrom('notify_team_member')
        .where('service_id', '=', member.serviceId)
        .where('email_address', '=', member.emailAddress)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async listTeamMembers(executor: Executor, serviceId: string): Promise<TeamMemberRow[]> {
      return tables(executor).selectFrom('notify_team_member').selectAll().where('service_id', '=', serviceId).orderBy('email_address').execute();
    },
    async listServiceIdsForMember(executor: Executor, emailAddress: string): Promise<string[]> {
      const rows = await tables(executor).selectFrom('notify_team_member').select('service_id').where('email_address', '=', emailAddress).execute();
      return rows.map((row) => row.service_id);
    },

    async upsertGuest(executor: Executor, row: GuestListRow): Promise<void> {
      await tables(executor)
        .insertInto('notify_guest_list')
        .values(row)
        .onConflict((conflict) => conflict.columns(['service_id', 'recipient']).doNothing())
        .execute();
    },
    async deleteGuest(executor: Executor, guest: { serviceId: string; recipient: string }): Promise<boolean> {
      const result = await tables(executor)
        .deleteFrom('notify_guest_list')
        .where('service_id', '=', guest.serviceId)
        .where('recipient', '=', guest.recipient)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async listGuests(executor: Executor, serviceId: string): Promise<GuestListRow[]> {
      return tables(executor).selectFrom('notify_guest_list').selectAll().where('service_id', '=', serviceId).orderBy('recipient').execute();
    },

    async insertSender(executor: Executor, row: SenderRow): Promise<void> {
      const db = tables(executor);
      if (row.is_default) {
        await db
          .updateTable('notify_sender')
          .set({ is_default: 0 })
          .where('service_id', '=', row.service_id)
          .where('sender_type', '=', row.sender_type)
          .execute();
      }
      await db.insertInto('notify_sender').values(row).execute();
    },
    async listSenders(executor: Executor, serviceId: string): Promise<SenderRow[]> {
      return tables(executor).selectFrom('notify_sender').selectAll().where('service_id', '=', serviceId).orderBy('created_at').execute();
    },
  };
}

export type ServiceStore = ReturnType<typeof createServiceStore>;
