import { randomUUID } from 'node:crypto';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../../platform/db/database.ts';
import { lockIdOf, lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';
import { isUniqueViolation } from '../../../platform/db/unique-violation.ts';
import type { FormDefinition } from '../definition/form-definition.ts';
import { parseFormDefinition } from '../definition/parse-definition.ts';
import { FormsError } from '../forms.errors.ts';
import { checkOutboundUrl, type OutboundPolicy, type OutboundUrlProblem } from '../../../platform/net/outbound-request.ts';
import { createBuilderDraftStore } from '../builder/builder-draft.store.ts';
import { createFormVersionStore, type FormRow } from './form-version.store.ts';

/** A version of a form as the runner uses it: immutable once made. */
export type FormVersion = { formId: string; versionId: string; number: number; definition: FormDefinition };

/** Versions never change after they are made, so each process may keep the ones it has read. */
const CACHED_VERSIONS = 200;

const WEBHOOK_URL_PROBLEMS: Readonly<Record<OutboundUrlProblem, string>> = {
  INVALID_URL: 'must be a full http or https address without a user name or password',
  HTTPS_REQUIRED: 'must be an https:// address',
  PRIVATE_ADDRESS: 'must not be a private or local address',
};

function checkedDefinition(input: unknown, outboundPolicy: OutboundPolicy | undefined): FormDefinition {
  const parsed = parseFormDefinition(input);
  const problems = [...parsed.problems];
  const webhookUrl = parsed.definition?.settings.webhookUrl;
  // As for every URL a team gives Civitas to call: the kernel's check now, and again (with DNS) on each call.
  const problem = webhookUrl && outboundPolicy ? checkOutboundUrl(webhookUrl, outboundPolicy) : undefined;
  if (problem) problems.push({ path: 'settings.webhookUrl', message: WEBHOOK_URL_PROBLEMS[problem] });
  if (!parsed.definition || problems.length > 0) throw new FormsError('forms.INVALID_DEFINITION', `The form definition has ${problems.length} problem(s)`, problems);
  return parsed.definition;
}

/**
 * Forms and their draft, live and archived versions. Publishing a version archives the live one;
 * a person who started on it keeps it (their session holds the version's id) and finishes on it.
 */
/**
 * Serialises what adds a version to a form and what deletes a never-published form, so a form is
 * never deleted while its first version is being added (which would leave that version with no form).
 */
export function lockForm(transaction: Executor, formId: string): Promise<void> {
  return lockUntilTransactionEnds(transaction, lockIdOf(`forms-form:${formId}`));
}

export function createFormVersions(dependencies: {
  db: Database;
  audit: AuditService;
  clock?: () => Date;
  /** Where a webhook may point (outboundPolicyOf(config)); unset, only its form is checked. */
  outboundPolicy?: OutboundPolicy;
}) {
  const { db, audit, outboundPolicy } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const cache = new Map<string, FormVersion>();

  async function addVersion(transaction: Executor, input: { form: FormRow; definition: FormDefinition; live: boolean; actor: string; details?: Readonly<Record<string, string>> }): Promise<string> {
    const now = clock().toISOString();
    const store = createFormVersionStore(transaction);
    const versionId = randomUUID();
    const number = (await store.findLatestNumber(input.form.id)) + 1;
    await store.insertVersion({ id: versionId, form_id: input.form.id, number, status: 'draft', definition: JSON.stringify(input.definition), created_at: now, published_at: null });
    if (input.live) await store.makeLive({ formId: input.form.id, versionId, at: now });
    await audit.record(
      { actor: input.actor, action: input.live ? 'forms.version.published' : 'forms.version.drafted', subject: `form:${input.form.id}`, outcome: 'success', details: { ...input.details, version: number } },
      transaction,
    );
    return versionId;
  }

  return {
    /**
     * Imports a definition for a service: a new form published at /forms/{slug}, or, when the
     * service has a form with that slug already, a new live version of it.
     */
    async importForm(input: { serviceId: string; definition: unknown; actor: string }): Promise<{ formId: string; slug: string; versionId: string }> {
      const definition = checkedDefinition(input.definition, outboundPolicy);
      try {
        return await db.transaction().execute(async (transaction) => {
          const store = createFormVersionStore(transaction);
          let form = await store.findFormBySlug(definition.slug);
          if (form && form.service_id !== input.serviceId) throw new FormsError('forms.SLUG_TAKEN', `Another service has a form at /forms/${definition.slug}`);
          if (!form) {
            const now = clock().toISOString();
            form = { id: randomUUID(), service_id: input.serviceId, slug: definition.slug, live_version_id: null, created_at: now, updated_at: now };
            await store.insertForm(form);
          }
          const versionId = await addVersion(transaction, { form, definition, live: true, actor: input.actor });
          // The console builder starts again from what was imported.
          await createBuilderDraftStore(transaction).deleteDraft(form.id);
          return { formId: form.id, slug: form.slug, versionId };
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new FormsError('forms.SLUG_TAKEN', `Another form is at /forms/${definition.slug}`);
        throw error;
      }
    },

    /** A draft version of a form; the live version stays until the draft is published. */
    async createDraft(input: { formId: string; definition: unknown; actor: string }): Promise<string> {
      const definition = checkedDefinition(input.definition, outboundPolicy);
      return db.transaction().execute(async (transaction) => {
        await lockForm(transaction, input.formId);
        const form = await createFormVersionStore(transaction).findForm(input.formId);
        if (!form) throw new FormsError('forms.FORM_NOT_FOUND', 'There is no such form');
        if (definition.slug !== form.slug) throw new FormsError('forms.INVALID_DEFINITION', 'A new version keeps the form’s slug', [{ path: '$.slug', message: `must be "${form.slug}"` }]);
        return addVersion(transaction, { form, definition, live: false, actor: input.actor });
      });
    },

    async publish(input: { formId: string; versionId: string; actor: string }): Promise<void> {
      await db.transaction().execute(async (transaction) => {
        const store = createFormVersionStore(transaction);
        const version = await store.findVersion(input.versionId);
        if (!version || version.form_id !== input.formId) throw new FormsError('forms.FORM_NOT_FOUND', 'There is no such version');
        if (version.status !== 'draft') throw new FormsError('forms.VERSION_NOT_DRAFT', 'Only a draft can be published');
        await store.makeLive({ formId: input.formId, versionId: input.versionId, at: clock().toISOString() });
        await audit.record({ actor: input.actor, action: 'forms.version.published', subject: `form:${input.formId}`, outcome: 'success', details: { version: version.number } }, transaction);
      });
    },

    /**
     * Publishes a definition as the form's new live version (the console builder's draft): the
     * version before is archived, and people who started on it finish on it. Refused with every
     * problem (format and routing) when the definition is not complete.
     */
    async publishDefinition(input: { formId: string; definition: unknown; actor: string; details?: Readonly<Record<string, string>> }): Promise<string> {
      const definition = checkedDefinition(input.definition, outboundPolicy);
      return db.transaction().execute(async (transaction) => {
        await lockForm(transaction, input.formId);
        const form = await createFormVersionStore(transaction).findForm(input.formId);
        if (!form) throw new FormsError('forms.FORM_NOT_FOUND', 'There is no such form');
        if (definition.slug !== form.slug) throw new FormsError('forms.INVALID_DEFINITION', 'A new version keeps the form’s slug', [{ path: '$.slug', message: `must be "${form.slug}"` }]);
        return addVersion(transaction, { form, definition, live: true, actor: input.actor, details: input.details });
      });
    },

    /** Takes a live form down (its versions are kept); publishing again brings it back. */
    async archive(input: { formId: string; actor: string; details?: Readonly<Record<string, string>> }): Promise<boolean> {
      return db.transaction().execute(async (transaction) => {
        const archived = await createFormVersionStore(transaction).archiveLive({ formId: input.formId, at: clock().toISOString() });
        if (archived) await audit.record({ actor: input.actor, action: 'forms.form.archived', subject: `form:${input.formId}`, outcome: 'success', details: { ...input.details } }, transaction);
        return archived;
      });
    },

    async findVersion(versionId: string): Promise<FormVersion | undefined> {
      const cached = cache.get(versionId);
      if (cached) return cached;
      const row = await createFormVersionStore(db).findVersion(versionId);
      if (!row) return undefined;
      const version = { formId: row.form_id, versionId: row.id, number: row.number, definition: JSON.parse(row.definition) as FormDefinition };
      if (cache.size >= CACHED_VERSIONS) cache.delete(cache.keys().next().value as string);
      cache.set(versionId, version);
      return version;
    },

    /** The form published at /forms/{slug}, in its live version. */
    async findLive(slug: string): Promise<FormVersion | undefined> {
      const form = await createFormVersionStore(db).findFormBySlug(slug);
      return form?.live_version_id ? this.findVersion(form.live_version_id) : undefined;
    },

    /** A form taken down at /forms/{slug} (none live, once published): its last published version. */
    async findArchived(slug: string): Promise<FormVersion | undefined> {
      const store = createFormVersionStore(db);
      const form = await store.findFormBySlug(slug);
      if (!form || form.live_version_id) return undefined;
      const last = (await store.listVersions(form.id)).filter((version) => version.status === 'archived').at(-1);
      return last ? this.findVersion(last.id) : undefined;
    },

    /** The definition to export: the live version's, else the latest draft's. */
    async exportDefinition(formId: string): Promise<FormDefinition> {
      const store = createFormVersionStore(db);
      const form = await store.findForm(formId);
      const versions = form ? await store.listVersions(formId) : [];
      const chosen = form?.live_version_id ?? versions.at(-1)?.id;
      const version = chosen ? await this.findVersion(chosen) : undefined;
      if (version) return version.definition;
      // A form made in the console and never published: its builder's draft.
      const draft = form ? await createBuilderDraftStore(db).findDraft(form.id) : undefined;
      if (!draft) throw new FormsError('forms.FORM_NOT_FOUND', 'There is no such form');
      return JSON.parse(draft.definition) as FormDefinition;
    },

    listVersions: (formId: string) => createFormVersionStore(db).listVersions(formId),

    /** The console service a form belongs to. */
    findServiceId: async (formId: string) => (await createFormVersionStore(db).findForm(formId))?.service_id,
  };
}

export type FormVersions = ReturnType<typeof createFormVersions>;
