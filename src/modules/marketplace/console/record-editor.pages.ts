import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireTeamMember, teamMemberOf, teamPageChrome } from '../../../platform/http/team-access.ts';
import type { AgreementRequests } from '../../exchange/exchange.contract.ts';
import type { CatalogueRecords } from '../records/catalogue-records.ts';
import { translateProblem, type RecordProblem } from '../records/validate-record.ts';
import { recordPath } from '../pages/record-address.ts';
import { createMarketplaceConsoleStore, type DraftRow } from './marketplace-console.store.ts';
import { formValuesOf, isEditableType, problemsOf, readAnswer, slotOfProblem, slotsOf, type EditableType } from './record-questions.ts';

const VIEWS = 'modules/marketplace/console';
type Params = { organisationId: string };
type DraftParams = Params & { draftId: string };
type SlotParams = DraftParams & { slot: string };

const idPattern = { type: 'string', maxLength: 64 } as const;
const paramsSchema = (extra: Record<string, object> = {}) => ({ type: 'object', properties: { organisationId: idPattern, ...extra }, required: ['organisationId', ...Object.keys(extra)] });
const draftParams = paramsSchema({ draftId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } });
const slotParams = paramsSchema({ draftId: { type: 'string', pattern: '^[0-9a-f-]{36}$' }, slot: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } });
const bodyText = (body: unknown, name: string) => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};


/** The way back to the organisation and the console's navigation, for the marketplace's console pages. */
export function marketplaceChrome(request: FastifyRequest<{ Params: Params }>) {
  return teamPageChrome(request, { href: `/console/marketplace/${request.params.organisationId}`, text: request.t('marketplace.console.name') });
}

/**
 * An organisation's records in the catalogue, under /console/marketplace/ORGANISATION_ID for its
 * members: each record written as a draft, a question a page (answers checked against the model
 * on their page), then a summary with change links and publish. Editing a record starts a draft
 * from it; a data service registered in Exchange starts one prefilled from its OpenAPI
 * description. Owners and developers change; viewers read; other organisations see nothing.
 */
export async function registerRecordEditorPages(app: FastifyInstance, dependencies: { records: CatalogueRecords; agreementRequests: AgreementRequests }): Promise<void> {
  const { records, agreementRequests } = dependencies;
  const store = createMarketplaceConsoleStore(app.db);
  const draftPath = (request: FastifyRequest<{ Params: Params }>, draftId: string) => `${marketplaceChrome(request).base}/drafts/${draftId}`;

  async function requireDraft(request: FastifyRequest<{ Params: DraftParams }>): Promise<DraftRow & { type: EditableType } | undefined> {
    const draft = await store.findDraft(request.params.organisationId, request.params.draftId);
    return draft && isEditableType(draft.type) ? (draft as DraftRow & { type: EditableType }) : undefined;
  }

  async function startDraft(request: FastifyRequest<{ Params: Params }>, input: { type: EditableType; editing?: string; content: Record<string, unknown> }) {
    const id = crypto.randomUUID();
    await store.insertDraft({ id, organisation_id: request.params.organisationId, type: input.type, editing: input.editing ?? null, content: JSON.stringify({ ...input.content, type: input.type }), updated_by: teamMemberOf(request).actor, updated_at: new Date().toISOString() });
    return id;
  }

  async function prefillFromService(organisationId: string, serviceId: string): Promise<Record<string, unknown> | undefined> {
    const service = (await agreementRequests.listServicesOf(organisationId)).find((candidate) => candidate.id === serviceId);
    if (!service) return undefined;
    const address = agreementRequests.addressOf(service.identifier);
    const [subsystemPath, serviceCode] = [service.identifier.split('/').slice(0, 4).join('/'), service.identifier.split('/')[4]!];
    return {
      identifier: address,
      title: service.title ?? decodeURIComponent(serviceCode),
      ...(service.description ? { description: service.description } : {}),
      ...(service.version ? { version: service.version } : {}),
      endpointURL: address,
      endpointDescription: `${agreementRequests.addressOf(subsystemPath)}/getOpenAPI?serviceCode=${serviceCode}`,
      serviceType: 'REST',
    };
  }

  function renderSummary(request: FastifyRequest<{ Params: DraftParams }>, reply: FastifyReply, draft: DraftRow & { type: EditableType }, problems: RecordProblem[] = []) {
    const { t } = request;
    const content = JSON.parse(draft.content) as Record<string, unknown>;
    const page = marketplaceChrome(request);
    const path = draftPath(request, draft.id);
    const rows = slotsOf(draft.type)
      .filter(({ slot }) => !(slot === 'identifier' && draft.editing !== null))
      .map(({ slot, kind }) => {
        const values = formValuesOf(kind, content[slot]);
        const text = kind === 'contact' ? [values.contactName, values.email, values.telephone].filter(Boolean).join('\n') : values.answer!;
        return {
          key: { text: t(`marketplace.slots.${slot}`) },
          value: { text },
          actions: page.mayChange ? { items: [{ href: `${path}/${slot}`, text: t('marketplace.console.change'), visuallyHiddenText: t(`marketplace.slots.${slot}`) }] } : undefined,
        };
      });
    const errors = problems.map((problem) => ({ text: `${t(`marketplace.slots.${slotOfProblem(problem)}`)}: ${translateProblem(problem, t)}`, href: `${path}/${slotOfProblem(problem)}` }));
    return reply.code(errors.length > 0 ? 400 : 200).render(`${VIEWS}/draft-summary.njk`, {
      ...page,
      pageTitle: t('marketplace.console.summaryTitle'),
      errors,
      typeName: t(`marketplace.types.${draft.type.slice('dcat:'.length)}`),
      rows,
      publishAction: `${path}/publish`,
      editing: draft.editing,
    });
  }

  function renderQuestion(request: FastifyRequest<{ Params: SlotParams }>, reply: FastifyReply, draft: DraftRow & { type: EditableType }, input: { values: Record<string, string>; problems: RecordProblem[] }) {
    const { t } = request;
    const question = slotsOf(draft.type).find(({ slot }) => slot === request.params.slot)!;
    const errorOf = (name: string) => {
      const found = input.problems.filter((problem) => (question.kind === 'contact' ? problem.slot === `${question.slot}.${name}` || (name === 'contactName' && problem.slot === question.slot) : true));
      return found.length > 0 ? { text: found.map((problem) => translateProblem(problem, t)).join('; ') } : undefined;
    };
    const errors = input.problems.map((problem) => ({ text: `${t(`marketplace.slots.${question.slot}`)}: ${translateProblem(problem, t)}`, href: question.kind === 'contact' ? `#${problem.slot.split('.')[1] ?? 'contactName'}` : '#answer' }));
    const rule = question.rule.range;
    return reply.code(errors.length > 0 ? 400 : 200).render(`${VIEWS}/question.njk`, {
      ...marketplaceChrome(request),
      pageTitle: t(`marketplace.slots.${question.slot}`),
      backLink: draftPath(request, draft.id),
      errors,
      kind: question.kind,
      label: t(`marketplace.slots.${question.slot}`),
      hint: t(question.kind === 'list' ? 'marketplace.console.hints.list' : question.rule.required ? 'marketplace.console.hints.required' : 'marketplace.console.hints.optional'),
      values: input.values,
      error: errorOf('answer'),
      contactErrors: { contactName: errorOf('contactName'), email: errorOf('email'), telephone: errorOf('telephone') },
      choices: rule.kind === 'enum' ? rule.values.map((value) => ({ value, text: t(`marketplace.values.${question.slot}.${value.replace(/^freq:/, '')}`), checked: input.values.answer === value })) : [],
    });
  }

  await app.register(async (pages) => {
    pages.addHook('onRequest', async (_request, reply) => {
      reply.header('cache-control', 'private, no-store');
    });
    pages.addHook('preHandler', requireTeamMember({ kind: 'organisation', idParam: 'organisationId' }));
    const base = '/console/marketplace/:organisationId';

    pages.get<{ Params: Params; Querystring: { done?: string } }>(base, { schema: { params: paramsSchema() } }, async (request, reply) => {
      const { t } = request;
      const { organisationId } = request.params;
      const [held, drafts, services] = await Promise.all([records.listRecords(organisationId), store.listDrafts(organisationId), agreementRequests.listServicesOf(organisationId)]);
      const published = new Set(held.map((stored) => stored.record.identifier));
      return reply.render(`${VIEWS}/organisation.njk`, {
        ...marketplaceChrome(request),
        pageTitle: t('marketplace.console.title'),
        done: request.query.done === 'published' ? t('marketplace.console.published') : undefined,
        records: held.map((stored) => ({ identifier: stored.record.identifier, title: stored.record.title, type: t(`marketplace.types.${stored.record.type.slice('dcat:'.length)}`), href: recordPath('/console/data', stored.record.identifier), editable: isEditableType(stored.record.type) })),
        drafts: drafts.map((draft) => ({ href: draftPath(request, draft.id), title: String((JSON.parse(draft.content) as Record<string, unknown>).title ?? t('marketplace.console.untitled')), type: t(`marketplace.types.${draft.type.slice('dcat:'.length)}`) })),
        services: services.map((service) => ({ id: service.id, identifier: service.identifier, title: service.title, published: published.has(agreementRequests.addressOf(service.identifier)) })),
      });
    });

    pages.post<{ Params: Params }>(`${base}/drafts`, { schema: { params: paramsSchema() } }, async (request, reply) => {
      const { organisationId } = request.params;
      const type = bodyText(request.body, 'type');
      const editing = bodyText(request.body, 'edit');
      const serviceId = bodyText(request.body, 'service');
      if (editing !== '') {
        const stored = await records.findRecord(editing);
        if (!stored || stored.organisationId !== organisationId || !isEditableType(stored.record.type)) return reply.callNotFound();
        return reply.redirect(draftPath(request, await startDraft(request, { type: stored.record.type, editing, content: stored.record })), 303);
      }
      if (serviceId !== '') {
        const content = await prefillFromService(organisationId, serviceId);
        if (!content) return reply.callNotFound();
        return reply.redirect(draftPath(request, await startDraft(request, { type: 'dcat:DataService', content })), 303);
      }
      if (!isEditableType(type)) return reply.callNotFound();
      return reply.redirect(draftPath(request, await startDraft(request, { type, content: {} })), 303);
    });

    pages.get<{ Params: DraftParams }>(`${base}/drafts/:draftId`, { schema: { params: draftParams } }, async (request, reply) => {
      const draft = await requireDraft(request);
      return draft ? renderSummary(request, reply, draft) : reply.callNotFound();
    });

    pages.post<{ Params: DraftParams }>(`${base}/drafts/:draftId/publish`, { schema: { params: draftParams } }, async (request, reply) => {
      const draft = await requireDraft(request);
      if (!draft) return reply.callNotFound();
      const content = JSON.parse(draft.content) as Record<string, unknown>;
      const outcome = await records.saveRecord({ document: draft.editing ? { ...content, identifier: draft.editing } : content, organisationId: request.params.organisationId, actor: teamMemberOf(request).actor });
      if (outcome.outcome === 'refused') return renderSummary(request, reply, draft, outcome.problems);
      await store.deleteDraft(draft.id);
      return reply.redirect(`${marketplaceChrome(request).base}?done=published`, 303);
    });

    pages.get<{ Params: SlotParams }>(`${base}/drafts/:draftId/:slot`, { schema: { params: slotParams } }, async (request, reply) => {
      const draft = await requireDraft(request);
      const question = draft && slotsOf(draft.type).find(({ slot }) => slot === request.params.slot);
      if (!draft || !question || (question.slot === 'identifier' && draft.editing !== null)) return reply.callNotFound();
      return renderQuestion(request, reply, draft, { values: formValuesOf(question.kind, (JSON.parse(draft.content) as Record<string, unknown>)[question.slot]), problems: [] });
    });

    pages.post<{ Params: SlotParams }>(`${base}/drafts/:draftId/:slot`, { schema: { params: slotParams } }, async (request, reply) => {
      const draft = await requireDraft(request);
      const question = draft && slotsOf(draft.type).find(({ slot }) => slot === request.params.slot);
      if (!draft || !question || (question.slot === 'identifier' && draft.editing !== null)) return reply.callNotFound();
      const body = (request.body ?? {}) as Record<string, unknown>;
      const content = JSON.parse(draft.content) as Record<string, unknown>;
      const answer = readAnswer(question.kind, body);
      if (answer === undefined) delete content[question.slot];
      else content[question.slot] = answer;
      let problems = problemsOf(content).filter((problem) => slotOfProblem(problem) === question.slot);
      // Naming another organisation, or another member's Exchange address, is said on its own page too, not only on publishing.
      if (problems.length === 0) problems = (await records.checkHolding(content, request.params.organisationId)).filter((problem) => slotOfProblem(problem) === question.slot);
      if (problems.length > 0) return renderQuestion(request, reply, draft, { values: formValuesOf(question.kind, answer), problems });
      await store.updateDraft(draft.id, { content: JSON.stringify(content), updated_by: teamMemberOf(request).actor, updated_at: new Date().toISOString() });
      return reply.redirect(draftPath(request, draft.id), 303);
    });
  });
}
