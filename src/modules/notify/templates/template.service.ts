import { randomUUID } from 'node:crypto';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { listPlaceholders } from './placeholders.ts';
import { countSmsCharacters, SMS_MAX_CHARACTERS } from './sms-length.ts';
import type { ReadCache } from '../notify.read-cache.ts';
import type { Postage, TemplateRow, TemplateStore, TemplateType, TemplateVersionRow } from './template.store.ts';

/** More facts for an audit record, such as whose console service it is. */
type AuditDetails = Record<string, string>;

export class TemplateInputError extends Error {
  readonly code = 'TEMPLATE_INVALID';
  /** Which field is wrong, and a message key under `notify.templates.errors`. */
  readonly problems: ReadonlyArray<{ field: 'name' | 'subject' | 'body' | 'type' | 'postage' | 'letter_contact_block'; key: string }>;
  constructor(problems: TemplateInputError['problems']) {
    super(`Template not valid: ${problems.map((problem) => `${problem.field} ${problem.key}`).join(', ')}`);
    this.name = 'TemplateInputError';
    this.problems = problems;
  }
}

export type TemplateInput = {
  name: string;
  subject?: string | null;
  body: string;
  postage?: Postage | null;
  letterContactBlock?: string | null;
};

export const TEMPLATE_TYPES: readonly TemplateType[] = ['email', 'sms', 'letter'];
/** The longest a letter's contact block may be, in characters. */
export const LETTER_CONTACT_BLOCK_MAX_LENGTH = 1000;
/** The longest an email or letter template's message may be, in characters. */
export const TEMPLATE_BODY_MAX_LENGTH = 100_000;

function checkInput(type: TemplateType, input: TemplateInput): TemplateInput {
  const problems: Array<TemplateInputError['problems'][number]> = [];
  const name = input.name.trim();
  const subject = (input.subject ?? '').trim();
  // As Notify, the body is kept as written: a browser's CRLF line endings too.
  const body = input.body.trim();
  if (name === '') problems.push({ field: 'name', key: 'nameMissing' });
  else if (name.length > 255) problems.push({ field: 'name', key: 'nameTooLong' });
  if (type !== 'sms') {
    if (subject === '') problems.push({ field: 'subject', key: 'subjectMissing' });
    else if (subject.length > 1000) problems.push({ field: 'subject', key: 'subjectTooLong' });
  }
  if (body === '') problems.push({ field: 'body', key: 'bodyMissing' });
  else if (type === 'sms' && countSmsCharacters(body) > SMS_MAX_CHARACTERS) problems.push({ field: 'body', key: 'smsTooLong' });
  else if (body.length > TEMPLATE_BODY_MAX_LENGTH) problems.push({ field: 'body', key: 'bodyTooLong' });
  if (type === 'letter' && (input.letterContactBlock ?? '').trim().length > LETTER_CONTACT_BLOCK_MAX_LENGTH) problems.push({ field: 'letter_contact_block', key: 'contactBlockTooLong' });
  if (input.postage && !['first', 'second', 'economy'].includes(input.postage)) problems.push({ field: 'postage', key: 'postageInvalid' });
  if (problems.length > 0) throw new TemplateInputError(problems);
  return {
    name,
    subject: type === 'sms' ? null : subject,
    body,
    postage: type === 'letter' ? (input.postage ?? 'second') : null,
    letterContactBlock: type === 'letter' ? (input.letterContactBlock?.trim() || null) : null,
  };
}

function versionOf(row: TemplateRow): TemplateVersionRow {
  return {
    template_id: row.id,
    version: row.version,
    type: row.type,
    name: row.name,
    subject: row.subject,
    body: row.body,
    postage: row.postage,
    letter_contact_block: row.letter_contact_block,
    created_by: row.created_by,
    created_at: row.updated_at ?? row.created_at,
  };
}

/** Templates: created, changed (each change a new version, all kept), archived, read. */
export function createTemplateService(dependencies: {
  db: Database;
  store: TemplateStore;
  audit: AuditService;
  /** Templates read on every send; a change here clears the entry at once. */
  cache: ReadCache<TemplateRow | undefined>;
  clock?: () => Date;
}) {
  const { db, store, audit, cache } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());

  return {
    async create(input: TemplateInput & { serviceId: string; type: TemplateType; createdBy: string; actor: string; auditDetails?: AuditDetails }): Promise<TemplateRow> {
      if (!TEMPLATE_TYPES.includes(input.type)) throw new TemplateInputError([{ field: 'type', key: 'typeMissing' }]);
      const checked = checkInput(input.type, input);
      const now = clock().toISOString();
      const row: TemplateRow = {
        id: randomUUID(),
        service_id: input.serviceId,
        system_key: null,
        type: input.type,
        name: checked.name,
        version: 1,
        subject: checked.subject ?? null,
        body: checked.body,
        postage: checked.postage ?? null,
        letter_contact_block: checked.letterContactBlock ?? null,
        archived: 0,
        created_by: input.createdBy,
        created_at: now,
        updated_at: null,
      };
      await db.transaction().execute(async (transaction) => {
        await store.insert(transaction, row, versionOf(row));
        await audit.record(
          { actor: input.actor, action: 'notify.template.created', subject: `notify-template:${row.id}`, outcome: 'success', details: { ...input.auditDetails, serviceId: input.serviceId, type: input.type } },
          transaction,
        );
      });
      return row;
    },

    async update(input: TemplateInput & { template: TemplateRow; updatedBy: string; actor: string; auditDetails?: AuditDetails }): Promise<TemplateRow> {
      const checked = checkInput(input.template.type, input);
      const now = clock().toISOString();
      const row: TemplateRow = {
        ...input.template,
        name: checked.name,
        subject: checked.subject ?? null,
        body: checked.body,
        postage: checked.postage ?? null,
        letter_contact_block: checked.letterContactBlock ?? null,
        version: input.template.version + 1,
        created_by: input.updatedBy,
        updated_at: now,
      };
      await db.transaction().execute(async (transaction) => {
        await store.update(transaction, row, versionOf(row));
        await audit.record(
          { actor: input.actor, action: 'notify.template.changed', subject: `notify-template:${row.id}`, outcome: 'success', details: { ...input.auditDetails, version: row.version } },
          transaction,
        );
      });
      cache.forget(row.id);
      return row;
    },

    async archive(input: { template: TemplateRow; actor: string }): Promise<void> {
      await db.transaction().execute(async (transaction) => {
        await store.setArchived(transaction, { id: input.template.id, archived: true, now: clock().toISOString() });
        await audit.record(
          { actor: input.actor, action: 'notify.template.archived', subject: `notify-template:${input.template.id}`, outcome: 'success' },
          transaction,
        );
      });
      cache.forget(input.template.id);
    },

    find: (id: string) => store.find(db, id),
    /** The template as the send path reads it: at most a second old if another process changed it. */
    findForSending: (id: string) => cache.get(id, () => store.find(db, id)),
    findBySystemKey: (systemKey: string) => store.findBySystemKey(db, systemKey),
    findVersion: (templateId: string, version: number) => store.findVersion(db, templateId, version),
    list: (filter: { serviceId: string; type?: TemplateType }) => store.listForService(db, filter),
    listPlaceholders: (template: Pick<TemplateRow, 'subject' | 'body' | 'letter_contact_block'>) =>
      listPlaceholders(template.subject, template.body, template.letter_contact_block),
  };
}

export type TemplateService = ReturnType<typeof createTemplateService>;
