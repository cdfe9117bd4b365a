import type { Executor } from '../../../platform/db/database.ts';

export type TemplateType = 'email' | 'sms' | 'letter';
export type Postage = 'first' | 'second' | 'economy';

export type TemplateRow = {
  id: string;
  service_id: string;
  system_key: string | null;
  type: TemplateType;
  name: string;
  version: number;
  subject: string | null;
  body: string;
  postage: Postage | null;
  letter_contact_block: string | null;
  archived: number;
  created_by: string;
  created_at: string;
  updated_at: string | null;
};

export type TemplateVersionRow = {
  template_id: string;
  version: number;
  type: TemplateType;
  name: string;
  subject: string | null;
  body: string;
  postage: Postage | null;
  letter_contact_block: string | null;
  created_by: string;
  created_at: string;
};

/**
 * Each service's template for precompiled letters, made on its first one, as Notify's
 * "Pre-compiled PDF" (hidden: not in template lists, still read by id).
 */
export function precompiledLetterKey(serviceId: string): string {
  return `precompiled-letter:${serviceId}`;
}
const PRECOMPILED_LETTER_KEYS = 'precompiled-letter:%';

type TemplateTables = { notify_template: TemplateRow; notify_template_version: TemplateVersionRow };

export function createTemplateStore() {
  const tables = (executor: Executor) => executor.withTables<TemplateTables>();
  return {
    async insert(executor: Executor, row: TemplateRow, version: TemplateVersionRow): Promise<void> {
      const db = tables(executor);
      await db.insertInto('notify_template').values(row).execute();
      await db.insertInto('notify_template_version').values(version).execute();
    },
    /** Saves a new version: the template row takes its content, the history keeps every version. */
    async update(executor: Executor, row: TemplateRow, version: TemplateVersionRow): Promise<void> {
      const db = tables(executor);
      const { id, ...changes } = row;
      await db.updateTable('notify_template').set(changes).where('id', '=', id).execute();
      await db.insertInto('notify_template_version').values(version).execute();
    },
    async setArchived(executor: Executor, archive: { id: string; archived: boolean; now: string }): Promise<void> {
      await tables(executor)
        .updateTable('notify_template')
        .set({ archived: archive.archived ? 1 : 0, updated_at: archive.now })
        .where('id', '=', archive.id)
        .execute();
    },
    async find(executor: Executor, id: string): Promise<TemplateRow | undefined> {
      return tables(executor).selectFrom('notify_template').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async findBySystemKey(executor: Executor, systemKey: string): Promise<TemplateRow | undefined> {
      return tables(executor).selectFrom('notify_template').selectAll().where('system_key', '=', systemKey).executeTakeFirst();
    },
    async findVersion(executor: Executor, templateId: string, version: number): Promise<TemplateVersionRow | undefined> {
      return tables(executor)
        .selectFrom('notify_template_version')
        .selectAll()
        .where('template_id', '=', templateId)
        .where('version', '=', version)
        .executeTakeFirst();
    },
    async listForService(executor: Executor, filter: { serviceId: string; type?: TemplateType; includeArchived?: boolean }): Promise<TemplateRow[]> {
      let query = tables(executor).selectFrom('notify_template').selectAll().where('service_id', '=', filter.serviceId);
      if (filter.type) query = query.where('type', '=', filter.type);
      if (!filter.includeArchived) query = query.where('archived', '=', 0);
      query = query.where((where) => where.or([where('system_key', 'is', null), where('system_key', 'not like', PRECOMPILED_LETTER_KEYS)]));
      return query.orderBy('name').orderBy('id').execute();
    },
  };
}

export type TemplateStore = ReturnType<typeof createTemplateStore>;
