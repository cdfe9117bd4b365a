import { randomUUID } from 'node:crypto';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { isUniqueViolation } from '../../../platform/db/unique-violation.ts';
import type { DefinitionProblem } from '../definition/definition-reader.ts';
import { FORM_DEFINITION_FORMAT, FORM_DEFINITION_VERSION, type FormDefinition, type FormSettings, type LocalisedText } from '../definition/form-definition.ts';
import { findRoutingProblems } from '../definition/check-routing.ts';
import { parseFormDefinition } from '../definition/parse-definition.ts';
import { findEligibilityCheckProblems } from '../definition/read-eligibility-check.ts';
import { FormsError } from '../forms.errors.ts';
import { createFormVersionStore } from '../versions/form-version.store.ts';
import { lockForm, type FormVersions } from '../versions/form-versions.ts';
import { createWebhookSecretStore } from '../webhooks/webhook-secret.store.ts';
import { createBuilderDraftStore } from './builder-draft.store.ts';

/**
 * A form as the builder holds it while it is written: the definition format the importer takes,
 * with settings that may not be complete yet (publishing checks everything).
 */
export type DraftDefinition = Omit<FormDefinition, 'settings'> & { settings: Partial<FormSettings> & Pick<FormSettings, 'languages'> };

export type FormStatus = 'draft' | 'live' | 'archived';
export type BuilderForm = {
  formId: string;
  serviceId: string;
  slug: string;
  status: FormStatus;
  liveVersion?: number;
  definition: DraftDefinition;
  revision: number;
  /** The form's versions, oldest first. */
  versions: Array<{ number: number; status: string; publishedAt: string | null }>;
  /** Whether the draft differs from the latest version published. */
  changedSincePublished: boolean;
};

/** How many times a change is tried again on a draft someone else changed in the meantime. */
const CHANGE_TRIES = 3;

/**
 * Every problem that keeps a draft from being published: the checker's (which names routing
 * problems only once the format is right) and the routing problems, so the builder sees both at once.
 */
function findDraftProblems(definition: DraftDefinition, found: readonly DefinitionProblem[] = parseFormDefinition(definition).problems): DefinitionProblem[] {
  const problems = [...found];
  const routing = Array.isArray(definition.pages) && Array.isArray(definition.exitPages) ? [...findRoutingProblems(definition as FormDefinition), ...findEligibilityCheckProblems(definition as FormDefinition)] : [];
  for (const problem of routing) if (!problems.some((known) => known.path === problem.path && known.message === problem.message)) problems.push(problem);
  return problems;
}

export function statusOf(liveVersionId: string | null, versionCount: number): FormStatus {
  return liveVersionId ? 'live' : versionCount > 0 ? 'archived' : 'draft';
}

/**
 * The console builder's forms: made for a console service, changed a step at a time in a draft
 * kept in the definition format, published through the form's versions (a new live version: people
 * halfway through the old one keep it), and archived (taken down). Audited as the team member.
 */
export function createFormBuilder(dependencies: { db: Database; audit: AuditService; versions: FormVersions; clock?: () => Date }) {
  const { db, audit, versions } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());

  return {
    async createForm(input: { serviceId: string; slug: string; name: LocalisedText; actor: string; details?: Readonly<Record<string, string>> }): Promise<string> {
      const now = clock().toISOString();
      const formId = randomUUID();
      const definition: DraftDefinition = { format: FORM_DEFINITION_FORMAT, formatVersion: FORM_DEFINITION_VERSION, slug: input.slug, name: input.name, settings: { languages: ['en'] }, pages: [], exitPages: [] };
      try {
        await db.transaction().execute(async (transaction) => {
          await createFormVersionStore(transaction).insertForm({ id: formId, service_id: input.serviceId, slug: input.slug, live_version_id: null, created_at: now, updated_at: now });
          await createBuilderDraftStore(transaction).insertDraft({ form_id: formId, definition: JSON.stringify(definition), revision: 1, updated_by: input.actor, updated_at: now });
          await audit.record({ actor: input.actor, action: 'forms.form.created', subject: `form:${formId}`, outcome: 'success', details: { ...input.details, serviceId: input.serviceId, slug: input.slug } }, transaction);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new FormsError('forms.SLUG_TAKEN', `Another form is at /forms/${input.slug}`);
        throw error;
      }
      return formId;
    },

    async listForms(serviceId: string): Promise<Array<{ formId: string; slug: string; name: LocalisedText; status: FormStatus }>> {
      const store = createFormVersionStore(db);
      const drafts = createBuilderDraftStore(db);
      const forms = await store.listFormsOfService(serviceId);
      return Promise.all(
        forms.map(async (form) => {
          const [listed, draft] = await Promise.all([store.listVersions(form.id), drafts.findDraft(form.id)]);
          const name = draft ? (JSON.parse(draft.definition) as DraftDefinition).name : (await versions.exportDefinition(form.id)).name;
          return { formId: form.id, slug: form.slug, name, status: statusOf(form.live_version_id, listed.length) };
        }),
      );
    },

    /** The form and its draft (begun from the live version, or the latest, when the builder has none yet). */
    async openForm(formId: string): Promise<BuilderForm | undefined> {
      const store = createFormVersionStore(db);
      const form = await store.findForm(formId);
      if (!form) return undefined;
      const drafts = createBuilderDraftStore(db);
      let draft = await drafts.findDraft(formId);
      if (!draft) {
        const definition = await versions.exportDefinition(formId);
        const row = { form_id: formId, definition: JSON.stringify(definition), revision: 1, updated_by: 'forms', updated_at: clock().toISOString() };
        try {
          await drafts.insertDraft(row);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
        draft = (await drafts.findDraft(formId)) ?? row;
      }
      const listed = await store.listVersions(formId);
      const live = listed.find((version) => version.id === form.live_version_id);
      const latest = listed.at(-1);
      const parsed = parseFormDefinition(JSON.parse(draft.definition));
      const published = latest ? await versions.findVersion(latest.id) : undefined;
      return {
        versions: listed.map((version) => ({ number: version.number, status: version.status, publishedAt: version.published_at })),
        changedSincePublished: !published || !parsed.definition || JSON.stringify(parsed.definition) !== JSON.stringify(published.definition),
        formId,
        serviceId: form.service_id,
        slug: form.slug,
        status: statusOf(form.live_version_id, listed.length),
        ...(live ? { liveVersion: live.number } : {}),
        definition: JSON.parse(draft.definition) as DraftDefinition,
        revision: draft.revision,
      };
    },

    /** Applies `change` to the latest draft, again when another change came first. */
    async changeDraft(input: { formId: string; actor: string; change: (definition: DraftDefinition) => DraftDefinition }): Promise<void> {
      const drafts = createBuilderDraftStore(db);
      for (let attempt = 0; attempt < CHANGE_TRIES; attempt += 1) {
        const form = await this.openForm(input.formId);
        if (!form) throw new FormsError('forms.FORM_NOT_FOUND', 'There is no such form');
        const definition = input.change(structuredClone(form.definition));
        if (await drafts.updateDraft({ formId: input.formId, revision: form.revision, definition: JSON.stringify(definition), updatedBy: input.actor, updatedAt: clock().toISOString() })) return;
      }
      throw new FormsError('forms.DRAFT_CHANGED', 'The form was changed by someone else at the same time');
    },

    /** Every problem that keeps the draft from being published (format and routing), none when it can be. */
    problemsOf: (definition: DraftDefinition): DefinitionProblem[] => findDraftProblems(definition),

    /** Publishes the draft as the new live version, or gives the problems that block it. */
    async publish(input: { formId: string; actor: string; details?: Readonly<Record<string, string>> }): Promise<{ problems: DefinitionProblem[] }> {
      const form = await this.openForm(input.formId);
      if (!form) throw new FormsError('forms.FORM_NOT_FOUND', 'There is no such form');
      try {
        await versions.publishDefinition({ formId: input.formId, definition: form.definition, actor: input.actor, details: input.details });
        return { problems: [] };
      } catch (error) {
        if (error instanceof FormsError && error.code === 'forms.INVALID_DEFINITION') return { problems: findDraftProblems(form.definition, error.problems) };
        throw error;
      }
    },

    archive: (input: { formId: string; actor: string; details?: Readonly<Record<string, string>> }) => versions.archive(input),

    /**
     * Deletes a form that was never published, with its draft (and a webhook secret made for it),
     * audited; false when the form has been published (its versions, and people's submissions, stay).
     */
    async deleteNeverPublished(input: { formId: string; actor: string; details?: Readonly<Record<string, string>> }): Promise<boolean> {
      return db.transaction().execute(async (transaction) => {
        await lockForm(transaction, input.formId);
        const store = createFormVersionStore(transaction);
        const form = await store.findForm(input.formId);
        if (!form || !(await store.deleteFormNeverPublished(input.formId))) return false;
        await createBuilderDraftStore(transaction).deleteDraft(input.formId);
        await createWebhookSecretStore(transaction).deleteSecret(input.formId);
        await audit.record({ actor: input.actor, action: 'forms.form.deleted', subject: `form:${input.formId}`, outcome: 'success', details: { ...input.details, serviceId: form.service_id, slug: form.slug } }, transaction);
        return true;
      });
    },
  };
}

export type FormBuilder = ReturnType<typeof createFormBuilder>;
