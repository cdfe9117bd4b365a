import type { Executor } from '../db/database.ts';

export type DevelopmentMessageRow = {
  id: string;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string | null;
  body_text: string;
  body_html: string | null;
  created_at: string;
};

type OutboxTables = { development_message: DevelopmentMessageRow };

export function createDevelopmentOutboxStore(db: Executor) {
  const tables = db.withTables<OutboxTables>();
  return {
    async insert(row: DevelopmentMessageRow): Promise<void> {
      await tables.insertInto('development_message').values(row).execute();
    },
    async listRecent(limit: number): Promise<DevelopmentMessageRow[]> {
      return tables.selectFrom('development_message').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
    },
    async find(id: string): Promise<DevelopmentMessageRow | undefined> {
      return tables.selectFrom('development_message').selectAll().where('id', '=', id).executeTakeFirst();
    },
  };
}

export type DevelopmentOutboxStore = ReturnType<typeof createDevelopmentOutboxStore>;
