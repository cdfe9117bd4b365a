import type { Executor } from '../../platform/db/database.ts';

export type DemoRegistrationRow = { base_url: string; client_id: string; private_jwk: string; created_at: string };

type Tables = { demo_service_registration: DemoRegistrationRow };

export function createDemoRegistrationStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async find(baseUrl: string): Promise<DemoRegistrationRow | undefined> {
      return tables.selectFrom('demo_service_registration').selectAll().where('base_url', '=', baseUrl).executeTakeFirst();
    },
    async insert(row: DemoRegistrationRow): Promise<void> {
      await tables.insertInto('demo_service_registration').values(row).execute();
    },
  };
}
