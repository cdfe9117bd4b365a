import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireTeamMember, teamMemberOf, teamPageChrome } from '../../../platform/http/team-access.ts';
import { outboundPolicyOf } from '../../../platform/net/outbound-request.ts';
import { findConsoleService, findPayAccountOfConsoleService, listConsoleServicesOf } from '../../console/console.contract.ts';
import { ANSWER_TYPES, CHECK_ANSWERS, DEFINITION_LIMITS, FILE_TYPES, NONE_OF_THE_ABOVE, RESERVED_SLUGS, type AnswerType, type FormPage } from '../definition/form-definition.ts';
import { FormsError } from '../forms.errors.ts';
import { describeQuestion, textIn, type Language } from '../runner/question-view.ts';
import { describeCheckAnswers, describeConfirmation } from '../runner/journey-end.routes.ts';
import { renderGuidance } from '../runner/guidance-markdown.ts';
import { VIEWS as RUNNER_VIEWS } from '../runner/runner-context.ts';
import {
  fieldOf,
  fieldsOfPage,
  fieldsOfSettings,
  isAnswerType,
  messageOf,
  newPageId,
  placeOfProblem,
  readExitPage,
  readPage,
  readSettings,
  type BuilderBody,
  type FieldProblem,
} from './builder-fields.ts';
import type { DefinitionProblem } from '../definition/definition-reader.ts';
import type { BuilderForm, DraftDefinition, FormBuilder } from './form-builder.ts';

const VIEWS = 'modules/forms/builder/views';
/** A builder page's form is small; a question with 1,000 long options is the largest. */
export const BUILDER_BODY_LIMIT = 256 * 1024;
const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const NO_PAY_ACCOUNT = 'needs the service’s Pay account';

const uuid = { type: 'string', pattern: '^[0-9a-f-]{36}$' } as const;
const pageId = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' } as const;
const organisationId = { type: 'string', maxLength: 64 } as const;
const params = (extra: Record<string, object>) => ({ type: 'object', properties: { organisationId, ...extra }, required: ['organisationId', ...Object.keys(extra)] });
const serviceParams = params({ serviceId: uuid });
const formParams = params({ formId: uuid });
const pageParams = params({ formId: uuid, pageId });
const typeParams = params({ formId: uuid, answerType: { type: 'string', enum: [...ANSWER_TYPES] } });
const exitParams = params({ formId: uuid, exitId: pageId });
const body = {
  type: 'object',
  maxProperties: 200,
  additionalProperties: { anyOf: [{ type: 'string', maxLength: 100_000 }, { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 100 } }] },
} as const;

type OrgParams = { organisationId: string };
type ServiceParams = OrgParams & { serviceId: string };
type FormParams = OrgParams & { formId: string };
type PageParams = FormParams & { pageId: string };
type TypeParams = FormParams & { answerType: string };
type ExitParams = FormParams & { exitId: string };
type Errors = Array<FieldProblem | (DefinitionProblem & { field: string })>;

/** The answer type a question is being changed to, when `requested` is another type (an eligibility check keeps its own). */
function typeChangeOf(page: FormPage, requested: string | undefined): AnswerType | undefined {
  return requested && isAnswerType(requested) && requested !== page.answerType && !page.eligibilityCheck ? requested : undefined;
}

/** The language a preview is drawn in: the page's, when the form is offered in it. */
function previewLanguage(request: FastifyRequest, form: BuilderForm): Language {
  return request.locale === 'cy' && form.definition.settings.languages.includes('cy') ? 'cy' : 'en';
}

/** The GOV.UK error summary's list and each field's message. */
function errorsOf(request: FastifyRequest, problems: Errors) {
  const text = (problem: Errors[number]) => ('key' in problem ? request.t(`forms.builder.errors.${problem.key}`, problem.parameters) : messageOf(problem, request.t));
  const fieldErrors: Record<string, { text: string }> = {};
  for (const problem of problems) fieldErrors[problem.field] ??= { text: text(problem) };
  return { errors: Object.entries(fieldErrors).map(([field, message]) => ({ text: message.text, href: `#${field}` })), fieldErrors };
}

/**
 * The form builder, under /console/forms/ORGANISATION_ID for its members: a service's forms
 * (draft, live, archived), a new form, its question pages (one question each, every answer type),
 * routing, exit pages, settings, a preview of each page drawn by the runner's own view, and
 * publishing (blocked, with the problems on the page, while the draft is not complete). Owners and
 * developers change; viewers read; another organisation's service or form is not found.
 */
export async function registerBuilderPages(app: FastifyInstance, dependencies: { builder: FormBuilder }): Promise<void> {
  const { builder } = dependencies;
  const formPath = (organisation: string, formId: string) => `/console/forms/${organisation}/forms/${formId}`;

  /** The console around every builder page: the organisation, and its forms (active). */
  function chrome(request: FastifyRequest<{ Params: OrgParams }>) {
    return teamPageChrome(request, { href: `/console/forms/${request.params.organisationId}`, text: request.t('forms.builder.list.title') });
  }

  const auditOf = (request: FastifyRequest) => ({ actor: teamMemberOf(request).actor, details: teamMemberOf(request).auditDetails });

  async function serviceOf(request: FastifyRequest<{ Params: ServiceParams }>) {
    const service = await findConsoleService(app.db, request.params.serviceId);
    return service && service.organisationId === request.params.organisationId ? service : undefined;
  }

  /** The form, only when its service is the organisation's in the address. */
  async function formOf(request: FastifyRequest<{ Params: FormParams }>): Promise<(BuilderForm & { serviceName: string }) | undefined> {
    const form = await builder.openForm(request.params.formId);
    const service = form && (await findConsoleService(app.db, form.serviceId));
    return form && service && service.organisationId === request.params.organisationId ? { ...form, serviceName: service.name } : undefined;
  }

  function renderForm(request: FastifyRequest<{ Params: FormParams; Querystring: { done?: string } }>, reply: FastifyReply, form: BuilderForm & { serviceName: string }, publishProblems: DefinitionProblem[] = []) {
    const { t } = request;
    const draft = form.definition;
    const base = formPath(request.params.organisationId, form.formId);
    const hrefOf = (problem: DefinitionProblem) => {
      const place = placeOfProblem(problem, draft);
      if (place.kind === 'page' && place.id) return `${base}/pages/${place.id}#${place.field}`;
      if (place.kind === 'routes' && place.id) return `${base}/pages/${place.id}/routes`;
      if (place.kind === 'exit' && place.id) return `${base}/exit-pages/${place.id}#${place.field}`;
      if (place.kind === 'pages') return `${base}/pages/new`;
      return `${base}/settings#${place.field}`;
    };
    const whereOf = (problem: DefinitionProblem) => {
      const place = placeOfProblem(problem, draft);
      if ((place.kind === 'page' || place.kind === 'routes') && place.index !== undefined) return t('forms.builder.form.problemOnPage', { number: place.index + 1 });
      if (place.kind === 'exit') return t('forms.builder.form.problemOnExit', { number: (place.index ?? 0) + 1 });
      if (place.kind === 'pages') return t('forms.builder.form.problemOnPages');
      return t('forms.builder.form.problemInSettings');
    };
    const describe = (problem: DefinitionProblem) => ({ text: `${whereOf(problem)}: ${messageOf(problem, t)}`, href: hrefOf(problem) });
    const routingProblems = builder.problemsOf(draft).filter((problem) => /^pages\[\d+\]\.routes/.test(problem.path) || /used more than once/.test(problem.message));
    const targetName = (goTo: string) =>
      goTo === CHECK_ANSWERS ? t('forms.builder.routes.checkAnswers') : (textIn(draft.pages.find((page) => page.id === goTo)?.question ?? draft.exitPages.find((exit) => exit.id === goTo)?.heading, request.locale) || goTo);
    return reply.code(publishProblems.length > 0 ? 400 : 200).render(`${VIEWS}/form.njk`, {
      ...chrome(request),
      pageTitle: textIn(draft.name, request.locale),
      serviceLabel: form.serviceName,
      servicePath: `/console/forms/${request.params.organisationId}/services/${form.serviceId}`,
      base,
      status: form.status,
      liveVersion: form.liveVersion,
      changed: form.changedSincePublished && form.versions.length > 0,
      versions: [...form.versions].reverse().map((version) => ({ number: version.number, status: t(`forms.builder.status.${version.status}`), publishedAt: version.publishedAt })),
      liveUrl: `/forms/${form.slug}`,
      done: request.query.done && ['published', 'archived', 'saved', 'created'].includes(request.query.done) ? t(`forms.builder.done.${request.query.done}`) : undefined,
      errors: publishProblems.map(describe),
      routingProblems: routingProblems.map(describe),
      pages: draft.pages.map((page, index) => ({
        id: page.id,
        number: index + 1,
        question: textIn(page.question, request.locale),
        type: t(`forms.builder.types.${page.answerType}`),
        optional: page.optional === true,
        repeatable: page.repeatable === true,
        canRoute: page.answerType === 'selection' && !page.settings?.multiple && !page.repeatable,
        routes: (page.routes ?? []).map((route) => ({
          answer: route.answer === NONE_OF_THE_ABOVE ? t('forms.noneOfTheAbove') : textIn(page.settings?.options?.find((option) => option.value === route.answer)?.label, request.locale) || route.answer,
          goTo: targetName(route.goTo),
        })),
        first: index === 0,
        last: index === draft.pages.length - 1,
      })),
      exitPages: draft.exitPages.map((exit) => ({ id: exit.id, heading: textIn(exit.heading, request.locale) })),

    });
  }

  function renderPageEditor(request: FastifyRequest<{ Params: FormParams }>, reply: FastifyReply, input: { form: BuilderForm; answerType: string; values: Record<string, string | string[]>; problems: Errors; editing?: FormPage }) {
    const { t } = request;
    const base = formPath(request.params.organisationId, input.form.formId);
    const { errors, fieldErrors } = errorsOf(request, input.problems);
    return reply.code(errors.length > 0 ? 400 : 200).render(`${VIEWS}/page.njk`, {
      ...chrome(request),
      pageTitle: input.editing ? t('forms.builder.page.editTitle') : t('forms.builder.page.newTitle'),
      backLink: base,
      errors,
      fieldErrors,
      answerType: input.answerType,
      typeName: t(`forms.builder.types.${input.answerType}`),
      values: input.values,
      welsh: input.form.definition.settings.languages.includes('cy'),
      fileTypes: FILE_TYPES.map((type) => ({ value: type, text: type.toUpperCase(), checked: [input.values.fileTypes ?? []].flat().includes(type) })),
      previewHref: input.editing ? `${base}/pages/${input.editing.id}/preview` : undefined,
      changeTypeHref: input.editing && !input.editing.eligibilityCheck ? `${base}/pages/${input.editing.id}/answer-type` : undefined,
      changingType: input.editing && input.editing.answerType !== input.answerType ? input.answerType : undefined,
      typeBefore: input.editing && input.editing.answerType !== input.answerType ? t(`forms.builder.types.${input.editing.answerType}`) : undefined,
      deleteHref: input.editing ? `${base}/pages/${input.editing.id}/delete` : undefined,
    });
  }

  function renderSettings(request: FastifyRequest<{ Params: FormParams }>, reply: FastifyReply, form: BuilderForm, values: Record<string, string>, problems: Errors) {
    const { errors, fieldErrors } = errorsOf(request, problems);
    return reply.code(errors.length > 0 ? 400 : 200).render(`${VIEWS}/settings.njk`, {
      ...chrome(request),
      pageTitle: request.t('forms.builder.settings.title'),
      backLink: formPath(request.params.organisationId, form.formId),
      errors,
      fieldErrors,
      values,
    });
  }

  function renderExitPage(request: FastifyRequest<{ Params: FormParams }>, reply: FastifyReply, form: BuilderForm, input: { values: Record<string, string>; problems: Errors; editing: boolean; exitId?: string }) {
    const { errors, fieldErrors } = errorsOf(request, input.problems);
    return reply.code(errors.length > 0 ? 400 : 200).render(`${VIEWS}/exit-page.njk`, {
      ...chrome(request),
      pageTitle: request.t(input.editing ? 'forms.builder.exit.editTitle' : 'forms.builder.exit.newTitle'),
      backLink: formPath(request.params.organisationId, form.formId),
      errors,
      fieldErrors,
      values: input.values,
      welsh: form.definition.settings.languages.includes('cy'),
      exitPath: input.exitId ? `${formPath(request.params.organisationId, form.formId)}/exit-pages/${input.exitId}` : undefined,
    });
  }

  /** The answers a routing question may have and where each may go: a later page, check your answers or an exit page. */
  function routeChoices(request: FastifyRequest, draft: DraftDefinition, page: FormPage) {
    const index = draft.pages.findIndex((candidate) => candidate.id === page.id);
    const answers = [
      ...(page.settings?.options ?? []).map((option) => ({ value: option.value, text: textIn(option.label, request.locale) })),
      ...(page.settings?.noneOfTheAbove ? [{ value: NONE_OF_THE_ABOVE, text: request.t('forms.noneOfTheAbove') }] : []),
    ];
    const targets = [
      ...draft.pages.slice(index + 2).map((later) => ({ value: later.id, text: textIn(later.question, request.locale) })),
      { value: CHECK_ANSWERS, text: request.t('forms.builder.routes.checkAnswers') },
      ...draft.exitPages.map((exit) => ({ value: exit.id, text: `${request.t('forms.builder.routes.exitPage')}: ${textIn(exit.heading, request.locale)}` })),
    ];
    return { answers, targets };
  }

  await app.register(async (pages) => {
    pages.addHook('onRequest', async (_request, reply) => {
      reply.header('cache-control', 'private, no-store');
    });
    pages.addHook('preHandler', requireTeamMember({ kind: 'organisation', idParam: 'organisationId' }));
    const options = <P extends object>(schema: P) => ({ schema: { params: schema, body }, bodyLimit: BUILDER_BODY_LIMIT });
    const serviceBase = '/console/forms/:organisationId/services/:serviceId';
    const formBase = '/console/forms/:organisationId/forms/:formId';

    pages.get<{ Params: OrgParams }>('/console/forms/:organisationId', { schema: { params: params({}) } }, async (request, reply) => {
      const services = await listConsoleServicesOf(app.db, request.params.organisationId);
      return reply.render(`${VIEWS}/organisation.njk`, {
        ...chrome(request),
        pageTitle: request.t('forms.builder.list.title'),
        services: await Promise.all(
          services.map(async (service) => ({
            name: service.name,
            href: `/console/forms/${service.organisationId}/services/${service.id}`,
            forms: (await builder.listForms(service.id)).map((form) => ({ name: textIn(form.name, request.locale), href: formPath(service.organisationId, form.formId), status: form.status, statusText: request.t(`forms.builder.status.${form.status}`) })),
          })),
        ),
      });
    });

    pages.get<{ Params: ServiceParams; Querystring: { done?: string } }>(serviceBase, { schema: { params: serviceParams } }, async (request, reply) => {
      const service = await serviceOf(request);
      if (!service) return reply.callNotFound();
      const forms = await builder.listForms(service.id);
      return reply.render(`${VIEWS}/forms.njk`, {
        ...chrome(request),
        pageTitle: request.t('forms.builder.list.title'),
        serviceLabel: service.name,
        done: request.query.done === 'deleted' ? request.t('forms.builder.done.deleted') : undefined,
        newHref: `/console/forms/${service.organisationId}/services/${service.id}/new`,
        forms: forms.map((form) => ({ name: textIn(form.name, request.locale), href: formPath(service.organisationId, form.formId), url: `/forms/${form.slug}`, status: form.status, statusText: request.t(`forms.builder.status.${form.status}`) })),
      });
    });

    const renderNewForm = (request: FastifyRequest<{ Params: ServiceParams }>, reply: FastifyReply, values: Record<string, string>, problems: FieldProblem[]) => {
      const { errors, fieldErrors } = errorsOf(request, problems);
      return reply.code(errors.length > 0 ? 400 : 200).render(`${VIEWS}/new-form.njk`, {
        ...chrome(request),
        pageTitle: request.t('forms.builder.new.title'),
        backLink: `/console/forms/${request.params.organisationId}/services/${request.params.serviceId}`,
        errors,
        fieldErrors,
        values,
      });
    };

    pages.get<{ Params: ServiceParams }>(`${serviceBase}/new`, { schema: { params: serviceParams } }, async (request, reply) => {
      if (!(await serviceOf(request))) return reply.callNotFound();
      return renderNewForm(request, reply, {}, []);
    });

    pages.post<{ Params: ServiceParams; Body: BuilderBody }>(`${serviceBase}/new`, options(serviceParams), async (request, reply) => {
      const service = await serviceOf(request);
      if (!service) return reply.callNotFound();
      const values = { name: fieldOf(request.body, 'name'), slug: fieldOf(request.body, 'slug').toLowerCase() };
      const problems: FieldProblem[] = [];
      if (values.name === '') problems.push({ field: 'name', key: 'nameRequired' });
      else if (values.name.length > DEFINITION_LIMITS.shortText) problems.push({ field: 'name', key: 'tooLong', parameters: { max: DEFINITION_LIMITS.shortText } });
      if (values.slug === '') problems.push({ field: 'slug', key: 'slugRequired' });
      else if (!SLUG_PATTERN.test(values.slug) || values.slug.length > DEFINITION_LIMITS.slugLength || (RESERVED_SLUGS as readonly string[]).includes(values.slug)) problems.push({ field: 'slug', key: 'slugFormat' });
      if (problems.length > 0) return renderNewForm(request, reply, values, problems);
      try {
        const formId = await builder.createForm({ serviceId: service.id, slug: values.slug, name: { en: values.name }, ...auditOf(request) });
        return reply.redirect(`${formPath(service.organisationId, formId)}?done=created`, 303);
      } catch (error) {
        if (error instanceof FormsError && error.code === 'forms.SLUG_TAKEN') return renderNewForm(request, reply, values, [{ field: 'slug', key: 'slugTaken' }]);
        throw error;
      }
    });

    pages.get<{ Params: FormParams; Querystring: { done?: string } }>(formBase, { schema: { params: formParams } }, async (request, reply) => {
      const form = await formOf(request);
      return form ? renderForm(request, reply, form) : reply.callNotFound();
    });

    pages.post<{ Params: FormParams; Querystring: { done?: string } }>(`${formBase}/publish`, options(formParams), async (request, reply) => {
      const form = await formOf(request);
      if (!form) return reply.callNotFound();
      // A form that takes a payment needs its service's Pay account (made on the service's console page).
      if (form.definition.settings.payment && !(await findPayAccountOfConsoleService(app.db, form.serviceId))) {
        return renderForm(request, reply, form, [...builder.problemsOf(form.definition), { path: 'settings.payment.amount', message: NO_PAY_ACCOUNT }]);
      }
      const { problems } = await builder.publish({ formId: form.formId, ...auditOf(request) });
      if (problems.length > 0) return renderForm(request, reply, form, problems);
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}?done=published`, 303);
    });

    pages.post<{ Params: FormParams }>(`${formBase}/archive`, options(formParams), async (request, reply) => {
      const form = await formOf(request);
      if (!form) return reply.callNotFound();
      await builder.archive({ formId: form.formId, ...auditOf(request) });
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}?done=archived`, 303);
    });

    // Deleting a form that was never published (one published keeps its versions and people's submissions: archive it).
    const neverPublished = async (request: FastifyRequest<{ Params: FormParams }>) => {
      const form = await formOf(request);
      return form && form.versions.length === 0 ? form : undefined;
    };
    pages.get<{ Params: FormParams }>(`${formBase}/delete`, { schema: { params: formParams } }, async (request, reply) => {
      const form = await neverPublished(request);
      if (!form) return reply.callNotFound();
      return reply.render(`${VIEWS}/delete-form.njk`, {
        ...chrome(request),
        pageTitle: request.t('forms.builder.deleteForm.title'),
        backLink: formPath(request.params.organisationId, form.formId),
        formName: textIn(form.definition.name, request.locale),
        url: `/forms/${form.slug}`,
      });
    });
    pages.post<{ Params: FormParams }>(`${formBase}/delete`, options(formParams), async (request, reply) => {
      const form = await neverPublished(request);
      if (!form || !(await builder.deleteNeverPublished({ formId: form.formId, ...auditOf(request) }))) return reply.callNotFound();
      return reply.redirect(`/console/forms/${request.params.organisationId}/services/${form.serviceId}?done=deleted`, 303);
    });

    const change = async (request: FastifyRequest<{ Params: FormParams }>, update: (draft: DraftDefinition) => DraftDefinition) =>
      builder.changeDraft({ formId: request.params.formId, actor: teamMemberOf(request).actor, change: update });

    // Settings
    pages.get<{ Params: FormParams }>(`${formBase}/settings`, { schema: { params: formParams } }, async (request, reply) => {
      const form = await formOf(request);
      return form ? renderSettings(request, reply, form, fieldsOfSettings(form.definition), []) : reply.callNotFound();
    });
    pages.post<{ Params: FormParams; Body: BuilderBody }>(`${formBase}/settings`, options(formParams), async (request, reply) => {
      const form = await formOf(request);
      if (!form) return reply.callNotFound();
      const { name, settings, problems } = readSettings({ body: request.body, draft: form.definition, outboundPolicy: outboundPolicyOf(app.config) });
      if (problems.length > 0) return renderSettings(request, reply, form, Object.fromEntries(Object.keys(fieldsOfSettings(form.definition)).map((key) => [key, fieldOf(request.body, key)])), problems);
      await change(request, (draft) => ({ ...draft, name, settings }));
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}?done=saved`, 303);
    });

    // A new question: its answer type first, then the question.
    pages.get<{ Params: FormParams }>(`${formBase}/pages/new`, { schema: { params: formParams } }, async (request, reply) => {
      const form = await formOf(request);
      if (!form) return reply.callNotFound();
      return renderAnswerType(request, reply, form, undefined);
    });
    /** The answer types to choose from: for a new question, or to change a question's (`changing`, with its type chosen). */
    const renderAnswerType = (request: FastifyRequest<{ Params: FormParams }>, reply: FastifyReply, form: BuilderForm, problem: FieldProblem | undefined, changing?: FormPage) => {
      const { errors, fieldErrors } = errorsOf(request, problem ? [problem] : []);
      const base = formPath(request.params.organisationId, form.formId);
      return reply.code(errors.length > 0 ? 400 : 200).render(`${VIEWS}/answer-type.njk`, {
        ...chrome(request),
        pageTitle: request.t(changing ? 'forms.builder.answerType.changeTitle' : 'forms.builder.answerType.title'),
        backLink: changing ? `${base}/pages/${changing.id}` : base,
        errors,
        fieldErrors,
        types: ANSWER_TYPES.map((type) => ({ value: type, text: request.t(`forms.builder.types.${type}`), hint: { text: request.t(`forms.builder.typeHints.${type}`) }, checked: changing?.answerType === type })),
      });
    };
    pages.post<{ Params: FormParams; Body: BuilderBody }>(`${formBase}/pages/new`, options(formParams), async (request, reply) => {
      const form = await formOf(request);
      if (!form) return reply.callNotFound();
      const answerType = fieldOf(request.body, 'answerType');
      if (!isAnswerType(answerType)) return renderAnswerType(request, reply, form, { field: 'answerType', key: 'answerTypeRequired' });
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}/pages/new/${answerType}`, 303);
    });
    pages.get<{ Params: TypeParams }>(`${formBase}/pages/new/:answerType`, { schema: { params: typeParams } }, async (request, reply) => {
      const form = await formOf(request);
      if (!form) return reply.callNotFound();
      return renderPageEditor(request, reply, { form, answerType: request.params.answerType, values: { nameInput: 'full', addressKind: 'uk', multiline: 'no', multiple: 'no' }, problems: [] });
    });
    pages.post<{ Params: TypeParams; Body: BuilderBody }>(`${formBase}/pages/new/:answerType`, options(typeParams), async (request, reply) => {
      const form = await formOf(request);
      const answerType = request.params.answerType;
      if (!form || !isAnswerType(answerType)) return reply.callNotFound();
      if (form.definition.pages.length >= DEFINITION_LIMITS.pages) return renderPageEditor(request, reply, { form, answerType, values: fieldsOfPage(undefined), problems: [{ field: 'question', key: 'tooManyPages', parameters: { max: DEFINITION_LIMITS.pages } }] });
      const { page, problems } = readPage({ body: request.body, answerType, draft: form.definition, id: newPageId(fieldOf(request.body, 'question'), form.definition) });
      if (problems.length > 0) return renderPageEditor(request, reply, { form, answerType, values: { ...fieldsOfPage(page), ...request.body } as Record<string, string>, problems });
      await change(request, (draft) => ({ ...draft, pages: [...draft.pages, { ...page, id: newPageId(textIn(page.question, 'en'), draft) }] }));
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}?done=saved`, 303);
    });

    const pageOf = (form: BuilderForm, id: string) => form.definition.pages.find((page) => page.id === id);

    // A question's page: with `?answerType=` (chosen on its answer-type page), the question in its new type, saved only when the form is.
    pages.get<{ Params: PageParams; Querystring: { answerType?: string } }>(
      `${formBase}/pages/:pageId`,
      { schema: { params: pageParams, querystring: { type: 'object', properties: { answerType: { type: 'string', enum: [...ANSWER_TYPES] } } } } },
      async (request, reply) => {
        const form = await formOf(request);
        const page = form && pageOf(form, request.params.pageId);
        if (!form || !page) return reply.callNotFound();
        const answerType = typeChangeOf(page, request.query.answerType) ?? page.answerType;
        return renderPageEditor(request, reply, { form, answerType, values: fieldsOfPage(page), problems: [], editing: page });
      },
    );
    pages.post<{ Params: PageParams; Body: BuilderBody }>(`${formBase}/pages/:pageId`, options(pageParams), async (request, reply) => {
      const form = await formOf(request);
      const before = form && pageOf(form, request.params.pageId);
      if (!form || !before) return reply.callNotFound();
      // What applies of the question is kept in its new type: its texts, optional and "add another"; its routes only as a selection.
      const answerType = typeChangeOf(before, fieldOf(request.body, 'answerType')) ?? before.answerType;
      const { page, problems } = readPage({ body: request.body, answerType, draft: form.definition, before, id: before.id });
      if (problems.length > 0) return renderPageEditor(request, reply, { form, answerType, values: { ...fieldsOfPage(page), ...request.body } as Record<string, string>, problems, editing: before });
      await change(request, (draft) => ({ ...draft, pages: draft.pages.map((candidate) => (candidate.id === page.id ? page : candidate)) }));
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}?done=saved`, 303);
    });

    // Changing a question's answer type: chosen here, then the question's page in its new type.
    pages.get<{ Params: PageParams }>(`${formBase}/pages/:pageId/answer-type`, { schema: { params: pageParams } }, async (request, reply) => {
      const form = await formOf(request);
      const page = form && pageOf(form, request.params.pageId);
      if (!form || !page || page.eligibilityCheck) return reply.callNotFound();
      return renderAnswerType(request, reply, form, undefined, page);
    });
    pages.post<{ Params: PageParams; Body: BuilderBody }>(`${formBase}/pages/:pageId/answer-type`, options(pageParams), async (request, reply) => {
      const form = await formOf(request);
      const page = form && pageOf(form, request.params.pageId);
      if (!form || !page || page.eligibilityCheck) return reply.callNotFound();
      const answerType = fieldOf(request.body, 'answerType');
      if (!isAnswerType(answerType)) return renderAnswerType(request, reply, form, { field: 'answerType', key: 'answerTypeRequired' }, page);
      const editor = `${formPath(request.params.organisationId, form.formId)}/pages/${page.id}`;
      return reply.redirect(answerType === page.answerType ? editor : `${editor}?answerType=${answerType}`, 303);
    });

    pages.post<{ Params: PageParams; Body: BuilderBody }>(`${formBase}/pages/:pageId/move`, options(pageParams), async (request, reply) => {
      const form = await formOf(request);
      if (!form || !pageOf(form, request.params.pageId)) return reply.callNotFound();
      const step = fieldOf(request.body, 'direction') === 'up' ? -1 : 1;
      await change(request, (draft) => {
        const index = draft.pages.findIndex((page) => page.id === request.params.pageId);
        const target = index + step;
        if (index < 0 || target < 0 || target >= draft.pages.length) return draft;
        const moved = [...draft.pages];
        [moved[index], moved[target]] = [moved[target]!, moved[index]!];
        return { ...draft, pages: moved };
      });
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}#pages`, 303);
    });

    pages.get<{ Params: PageParams }>(`${formBase}/pages/:pageId/delete`, { schema: { params: pageParams } }, async (request, reply) => {
      const form = await formOf(request);
      const page = form && pageOf(form, request.params.pageId);
      if (!form || !page) return reply.callNotFound();
      return reply.render(`${VIEWS}/delete.njk`, { ...chrome(request), pageTitle: request.t('forms.builder.delete.title'), backLink: `${formPath(request.params.organisationId, form.formId)}/pages/${page.id}`, question: textIn(page.question, request.locale) });
    });
    pages.post<{ Params: PageParams }>(`${formBase}/pages/:pageId/delete`, options(pageParams), async (request, reply) => {
      const form = await formOf(request);
      if (!form || !pageOf(form, request.params.pageId)) return reply.callNotFound();
      // Routes that went to the page go too: those people now go on to the next page.
      await change(request, (draft) => ({
        ...draft,
        pages: draft.pages
          .filter((page) => page.id !== request.params.pageId)
          .map((page) => (page.routes ? { ...page, routes: page.routes.filter((route) => route.goTo !== request.params.pageId) } : page)),
      }));
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}?done=saved`, 303);
    });

    // Routing of a selection question.
    const renderRoutes = (request: FastifyRequest<{ Params: PageParams }>, reply: FastifyReply, form: BuilderForm, page: FormPage, chosen: Record<string, string>, problems: FieldProblem[]) => {
      const { answers, targets } = routeChoices(request, form.definition, page);
      const { errors, fieldErrors } = errorsOf(request, problems);
      return reply.code(errors.length > 0 ? 400 : 200).render(`${VIEWS}/routes.njk`, {
        ...chrome(request),
        pageTitle: request.t('forms.builder.routes.title'),
        backLink: formPath(request.params.organisationId, form.formId),
        errors,
        question: textIn(page.question, request.locale),
        exitHref: `${formPath(request.params.organisationId, form.formId)}/exit-pages/new`,
        answers: answers.map((answer, index) => ({
          id: `route-${index}`,
          text: answer.text,
          error: fieldErrors[`route-${index}`],
          items: [{ value: '', text: request.t('forms.builder.routes.next') }, ...targets].map((target) => ({ ...target, selected: (chosen[answer.value] ?? '') === target.value })),
        })),
      });
    };
    const routablePage = (form: BuilderForm, id: string) => {
      const page = pageOf(form, id);
      return page && page.answerType === 'selection' && !page.settings?.multiple && !page.repeatable ? page : undefined;
    };
    pages.get<{ Params: PageParams }>(`${formBase}/pages/:pageId/routes`, { schema: { params: pageParams } }, async (request, reply) => {
      const form = await formOf(request);
      const page = form && routablePage(form, request.params.pageId);
      if (!form || !page) return reply.callNotFound();
      return renderRoutes(request, reply, form, page, Object.fromEntries((page.routes ?? []).map((route) => [route.answer, route.goTo])), []);
    });
    pages.post<{ Params: PageParams; Body: BuilderBody }>(`${formBase}/pages/:pageId/routes`, options(pageParams), async (request, reply) => {
      const form = await formOf(request);
      const page = form && routablePage(form, request.params.pageId);
      if (!form || !page) return reply.callNotFound();
      const { answers, targets } = routeChoices(request, form.definition, page);
      const allowed = new Set(targets.map((target) => target.value));
      const chosen: Record<string, string> = {};
      const problems: FieldProblem[] = [];
      answers.forEach((answer, index) => {
        const goTo = fieldOf(request.body, `route-${index}`);
        if (goTo === '') return;
        if (!allowed.has(goTo)) problems.push({ field: `route-${index}`, key: 'routeTarget' });
        else chosen[answer.value] = goTo;
      });
      if (problems.length > 0) return renderRoutes(request, reply, form, page, chosen, problems);
      const routes = Object.entries(chosen).map(([answer, goTo]) => ({ answer, goTo }));
      await change(request, (draft) => ({
        ...draft,
        pages: draft.pages.map((candidate) => {
          if (candidate.id !== page.id) return candidate;
          const { routes: _old, ...rest } = candidate;
          return routes.length > 0 ? { ...rest, routes } : rest;
        }),
      }));
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}?done=saved`, 303);
    });

    // Preview: the runner's own question page, as a person sees it.
    pages.get<{ Params: PageParams }>(`${formBase}/pages/:pageId/preview`, { schema: { params: pageParams } }, async (request, reply) => {
      const form = await formOf(request);
      const page = form && pageOf(form, request.params.pageId);
      if (!form || !page) return reply.callNotFound();
      const language = previewLanguage(request, form);
      const question = describeQuestion({ page, language, t: request.t, fields: {}, errors: [] });
      return reply.render(`${RUNNER_VIEWS}/question.njk`, {
        pageTitle: question.question,
        serviceName: textIn(form.definition.name, language),
        serviceUrl: formPath(request.params.organisationId, form.formId),
        backLink: formPath(request.params.organisationId, form.formId),
        question,
        errors: [],
      });
    });
    pages.post<{ Params: PageParams }>(`${formBase}/pages/:pageId/preview`, { schema: { params: pageParams }, bodyLimit: BUILDER_BODY_LIMIT }, async (request, reply) => {
      const form = await formOf(request);
      if (!form || !pageOf(form, request.params.pageId)) return reply.callNotFound();
      const index = form.definition.pages.findIndex((page) => page.id === request.params.pageId);
      const next = form.definition.pages[index + 1];
      const base = formPath(request.params.organisationId, form.formId);
      return reply.redirect(next ? `${base}/pages/${next.id}/preview` : `${base}/preview/check-answers`, 303);
    });

    // Preview of the journey's end, drawn by the runner's own views: check your answers with the declaration, then the confirmation.
    pages.get<{ Params: FormParams }>(`${formBase}/preview/check-answers`, { schema: { params: formParams } }, async (request, reply) => {
      const form = await formOf(request);
      if (!form) return reply.callNotFound();
      const language = previewLanguage(request, form);
      const base = formPath(request.params.organisationId, form.formId);
      const last = form.definition.pages.at(-1);
      return reply.render(`${RUNNER_VIEWS}/check-answers.njk`, {
        pageTitle: request.t('forms.checkAnswers.title'),
        serviceName: textIn(form.definition.name, language),
        serviceUrl: base,
        backLink: last ? `${base}/pages/${last.id}/preview` : base,
        ...describeCheckAnswers({ settings: form.definition.settings, route: form.definition.pages, answers: {}, language, t: request.t, changeHref: (page) => `${base}/pages/${page.id}/preview` }),
      });
    });
    pages.post<{ Params: FormParams }>(`${formBase}/preview/check-answers`, { schema: { params: formParams }, bodyLimit: BUILDER_BODY_LIMIT }, async (request, reply) => {
      const form = await formOf(request);
      if (!form) return reply.callNotFound();
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}/preview/confirmation`, 303);
    });
    pages.get<{ Params: FormParams }>(`${formBase}/preview/confirmation`, { schema: { params: formParams } }, async (request, reply) => {
      const form = await formOf(request);
      if (!form) return reply.callNotFound();
      const language = previewLanguage(request, form);
      const base = formPath(request.params.organisationId, form.formId);
      // A reference in the form's format, each random character shown as X.
      const reference = (form.definition.settings.referenceFormat ?? '########').replace(/#/g, 'X');
      return reply.render(`${RUNNER_VIEWS}/confirmation.njk`, {
        pageTitle: request.t('forms.confirmation.title'),
        serviceName: textIn(form.definition.name, language),
        serviceUrl: base,
        ...describeConfirmation({ settings: form.definition.settings, language, reference, serviceId: form.serviceId, startAgain: base }),
      });
    });

    // Exit pages: where a route may end the journey.
    const exitValues = (exit: { heading: { en: string; cy?: string }; body: { en: string; cy?: string } } | undefined) => ({
      heading: exit?.heading.en ?? '',
      headingCy: exit?.heading.cy ?? '',
      body: exit?.body.en ?? '',
      bodyCy: exit?.body.cy ?? '',
    });
    const valuesFrom = (request: FastifyRequest<{ Body: BuilderBody }>) => ({ heading: fieldOf(request.body, 'heading'), headingCy: fieldOf(request.body, 'headingCy'), body: fieldOf(request.body, 'body'), bodyCy: fieldOf(request.body, 'bodyCy') });
    pages.get<{ Params: FormParams }>(`${formBase}/exit-pages/new`, { schema: { params: formParams } }, async (request, reply) => {
      const form = await formOf(request);
      return form ? renderExitPage(request, reply, form, { values: exitValues(undefined), problems: [], editing: false }) : reply.callNotFound();
    });
    pages.post<{ Params: FormParams; Body: BuilderBody }>(`${formBase}/exit-pages/new`, options(formParams), async (request, reply) => {
      const form = await formOf(request);
      if (!form) return reply.callNotFound();
      const read = readExitPage({ body: request.body, draft: form.definition, id: `exit-${newPageId(fieldOf(request.body, 'heading'), form.definition)}`.slice(0, 64) });
      const { exit } = read;
      const problems: Errors = form.definition.exitPages.length >= DEFINITION_LIMITS.exitPages ? [{ field: 'heading', key: 'tooManyExits', parameters: { max: DEFINITION_LIMITS.exitPages } }] : read.problems;
      if (problems.length > 0) return renderExitPage(request, reply, form, { values: valuesFrom(request), problems, editing: false });
      await change(request, (draft) => ({ ...draft, exitPages: [...draft.exitPages, { ...exit, id: `exit-${newPageId(exit.heading.en, draft)}`.slice(0, 64).replace(/-+$/, '') }] }));
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}?done=saved`, 303);
    });
    pages.get<{ Params: ExitParams }>(`${formBase}/exit-pages/:exitId/preview`, { schema: { params: exitParams } }, async (request, reply) => {
      const form = await formOf(request);
      const exit = form?.definition.exitPages.find((candidate) => candidate.id === request.params.exitId);
      if (!form || !exit) return reply.callNotFound();
      const language = previewLanguage(request, form);
      const back = formPath(request.params.organisationId, form.formId);
      return reply.render(`${RUNNER_VIEWS}/exit.njk`, { pageTitle: textIn(exit.heading, language), serviceName: textIn(form.definition.name, language), serviceUrl: back, backLink: back, bodyHtml: renderGuidance(textIn(exit.body, language)) });
    });
    pages.post<{ Params: ExitParams }>(`${formBase}/exit-pages/:exitId/delete`, options(exitParams), async (request, reply) => {
      const form = await formOf(request);
      if (!form?.definition.exitPages.some((candidate) => candidate.id === request.params.exitId)) return reply.callNotFound();
      // Routes that ended there go too: those people go on to the next page.
      await change(request, (draft) => ({
        ...draft,
        exitPages: draft.exitPages.filter((exit) => exit.id !== request.params.exitId),
        pages: draft.pages.map((page) => (page.routes ? { ...page, routes: page.routes.filter((route) => route.goTo !== request.params.exitId) } : page)),
      }));
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}?done=saved`, 303);
    });
    pages.get<{ Params: ExitParams }>(`${formBase}/exit-pages/:exitId`, { schema: { params: exitParams } }, async (request, reply) => {
      const form = await formOf(request);
      const exit = form?.definition.exitPages.find((candidate) => candidate.id === request.params.exitId);
      return form && exit ? renderExitPage(request, reply, form, { values: exitValues(exit), problems: [], editing: true, exitId: exit.id }) : reply.callNotFound();
    });
    pages.post<{ Params: ExitParams; Body: BuilderBody }>(`${formBase}/exit-pages/:exitId`, options(exitParams), async (request, reply) => {
      const form = await formOf(request);
      const before = form?.definition.exitPages.find((candidate) => candidate.id === request.params.exitId);
      if (!form || !before) return reply.callNotFound();
      const { exit, problems } = readExitPage({ body: request.body, draft: form.definition, id: before.id });
      if (problems.length > 0) return renderExitPage(request, reply, form, { values: valuesFrom(request), problems, editing: true, exitId: before.id });
      await change(request, (draft) => ({ ...draft, exitPages: draft.exitPages.map((candidate) => (candidate.id === exit.id ? exit : candidate)) }));
      return reply.redirect(`${formPath(request.params.organisationId, form.formId)}?done=saved`, 303);
    });
  });
}
