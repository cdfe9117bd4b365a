import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NotifyCore } from '../notify.core.ts';
import type { ServiceRow } from '../services/service.store.ts';
import { describeStatus } from '../notifications/notification.view.ts';
import { listPlaceholders } from '../templates/placeholders.ts';
import { fillTemplate } from '../templates/fill-template.ts';
import { PAGE_ATTRIBUTES, renderEmailBodyHtml } from '../templates/render-email.ts';
import { countSmsFragments } from '../templates/sms-length.ts';
import { LETTER_CONTACT_BLOCK_MAX_LENGTH, TEMPLATE_BODY_MAX_LENGTH, TEMPLATE_TYPES, TemplateInputError } from '../templates/template.service.ts';
import { SMS_MAX_CHARACTERS } from '../templates/sms-length.ts';
import type { Postage, TemplateRow, TemplateType } from '../templates/template.store.ts';
import { requireTeamMember, teamMemberOf, teamPageChrome } from '../../../platform/http/team-access.ts';
import { registerCallbackPages } from './callbacks.pages.ts';

const VIEWS = 'modules/notify/pages';

const UUID = '[0-9a-fA-F-]{36}';
const RECENT_NOTIFICATIONS = 50;
/** The longest value a placeholder may be given on the template page's preview. */
const PREVIEW_VALUE_MAX_LENGTH = 2000;

type PageError = { text: string; href: string };

/** The console's navigation on every team page, and what the page may offer its member. */
function pageChrome(request: FastifyRequest) {
  return { ...teamPageChrome(request, { href: baseOf(serviceOf(request)), text: request.t('notify.serviceName') }), home: teamMemberOf(request).home };
}

/** Where a Notify service's team pages are: under /console, where the console's sign-in reaches. */
const baseOf = (service: { id: string }) => `/console/notify/${service.id}`;

function statusTagClass(status: string): string {
  if (status === 'delivered' || status === 'received') return 'govuk-tag--green';
  if (status.endsWith('failure')) return 'govuk-tag--red';
  return 'govuk-tag--blue';
}

/** What a template looks like filled with its own placeholders (a preview before any values). */
function describePreview(template: Pick<TemplateRow, 'type' | 'subject' | 'body' | 'letter_contact_block'>, values: Record<string, string>) {
  const filled = fillTemplate(template, values);
  return {
    subject: filled.subject,
    bodyHtml: template.type === 'sms' ? undefined : renderEmailBodyHtml(filled.body, PAGE_ATTRIBUTES),
    smsBody: template.type === 'sms' ? filled.body : undefined,
    fragments: template.type === 'sms' ? countSmsFragments(filled.body) : undefined,
  };
}

/**
 * Notify's pages for a service team: a public start page at /notify, and under
 * /console/notify/SERVICE_ID (the console signs people in; see platform/http/team-access.ts) the
 * service's templates (write, edit, preview) and its recent notifications. Owners and developers
 * change templates; viewers read.
 */
export async function registerServiceTeamPages(app: FastifyInstance, core: NotifyCore): Promise<void> {
  app.get('/notify', async (request, reply) =>
    reply.render(`${VIEWS}/start/start.njk`, { pageTitle: request.t('notify.start.title'), serviceName: request.t('notify.serviceName'), serviceUrl: '/notify' }),
  );

  // Everything of a service needs a member of the organisation whose console service has it.
  await app.register(async (service) => {
    service.addHook('preHandler', requireTeamMember({ kind: 'notify-service', idParam: 'serviceId' }));
    service.addHook('preHandler', async (request, reply) => {
      const found = await core.serviceAdmin.findService((request.params as { serviceId: string }).serviceId);
      if (!found) return reply.callNotFound();
      (request as FastifyRequest & { notifyService?: ServiceRow }).notifyService = found;
    });
    registerServicePages(service, core);
  });
}

function serviceOf(request: FastifyRequest): ServiceRow {
  const service = (request as FastifyRequest & { notifyService?: ServiceRow }).notifyService;
  if (!service) throw new Error('service page reached without its service');
  return service;
}

function registerServicePages(app: FastifyInstance, core: NotifyCore): void {
  const base = `/console/notify/:serviceId(${UUID})`;
  registerCallbackPages(app, { core, base, serviceOf, chrome: pageChrome });

  async function findTemplate(request: FastifyRequest, reply: FastifyReply, templateId: string): Promise<TemplateRow | undefined> {
    const template = /^[0-9a-f-]{36}$/i.test(templateId) ? await core.templates.find(templateId) : undefined;
    if (!template || template.service_id !== serviceOf(request).id || template.archived) {
      await reply.callNotFound();
      return undefined;
    }
    return template;
  }

  app.get(base, async (request, reply) => {
    const { t } = request;
    const service = serviceOf(request);
    const templates = await core.templates.list({ serviceId: service.id });
    return reply.render(`${VIEWS}/service/service.njk`, {
      pageTitle: service.name,
      backLink: teamMemberOf(request).home.href,
      ...pageChrome(request),
      service: { id: service.id, name: service.name },
      templates: templates.map((template) => ({ id: template.id, name: template.name, type: t(`notify.templateTypes.${template.type}`) })),
    });
  });

  app.get(`${base}/notifications`, async (request, reply) => {
    const { t } = request;
    const service = serviceOf(request);
    const rows = await core.stores.notifications.list(core.db, { serviceId: service.id, limit: RECENT_NOTIFICATIONS, contentBudget: 5_000_000 });
    const templates = new Map((await core.templates.list({ serviceId: service.id })).map((template) => [template.id, template.name]));
    return reply.render(`${VIEWS}/notifications/notifications.njk`, {
      pageTitle: t('notify.notifications.title'),
      backLink: `${baseOf(service)}`,
      ...pageChrome(request),
      service: { id: service.id, name: service.name },
      notifications: rows.map((row) => {
        const status = describeStatus(row);
        return {
          recipient: row.recipient,
          template: (row.template_id && templates.get(row.template_id)) ?? t('notify.notifications.precompiled'),
          type: t(`notify.templateTypes.${row.type}`),
          status: t(`notify.statuses.${status}`),
          statusClass: statusTagClass(status),
          createdAt: row.created_at,
          keyType: t(`notify.keyTypes.${row.key_type}`),
        };
      }),
    });
  });

  app.get(`${base}/templates/new`, async (request, reply) =>
    reply.render(`${VIEWS}/template-type/template-type.njk`, {
      pageTitle: request.t('notify.templateType.title'),
      backLink: `${baseOf(serviceOf(request))}`,
      ...pageChrome(request),
      service: { id: serviceOf(request).id, name: serviceOf(request).name },
      types: TEMPLATE_TYPES.map((type) => ({ value: type, text: request.t(`notify.templateTypes.${type}`) })),
    }),
  );

  app.post<{ Body: { type?: string } }>(`${base}/templates/new`, async (request, reply) => {
    const service = serviceOf(request);
    const type = request.body?.type;
    if (!type || !TEMPLATE_TYPES.includes(type as TemplateType)) {
      const errors: PageError[] = [{ text: request.t('notify.templateType.error'), href: '#type' }];
      return reply.code(400).render(`${VIEWS}/template-type/template-type.njk`, {
        pageTitle: request.t('notify.templateType.title'),
        backLink: `${baseOf(service)}`,
        ...pageChrome(request),
        errors,
        service: { id: service.id, name: service.name },
        types: TEMPLATE_TYPES.map((value) => ({ value, text: request.t(`notify.templateTypes.${value}`) })),
      });
    }
    return reply.redirect(`${baseOf(service)}/templates/new/${type}`, 303);
  });

  type TemplateForm = { name?: string; subject?: string; body?: string; postage?: string; letter_contact_block?: string };

  function renderForm(request: FastifyRequest, reply: FastifyReply, options: { type: TemplateType; values: TemplateForm; errors?: PageError[]; fieldErrors?: Record<string, string>; template?: TemplateRow }) {
    const service = serviceOf(request);
    const { t } = request;
    return reply.code(options.errors ? 400 : 200).render(`${VIEWS}/template-form/template-form.njk`, {
      pageTitle: options.template ? t('notify.templateForm.editTitle', { name: options.template.name }) : t(`notify.templateForm.newTitle.${options.type}`),
      backLink: options.template ? `${baseOf(service)}/templates/${options.template.id}` : `${baseOf(service)}/templates/new`,
      ...pageChrome(request),
      service: { id: service.id, name: service.name },
      type: options.type,
      values: options.values,
      errors: options.errors,
      fieldErrors: options.fieldErrors ?? {},
      template: options.template ? { id: options.template.id, name: options.template.name } : undefined,
      limits: { body: options.type === 'sms' ? SMS_MAX_CHARACTERS : TEMPLATE_BODY_MAX_LENGTH, contactBlock: LETTER_CONTACT_BLOCK_MAX_LENGTH },
      postageItems: (['first', 'second', 'economy'] as const).map((postage) => ({
        value: postage,
        text: t(`notify.postage.${postage}`),
        checked: (options.values.postage ?? 'second') === postage,
      })),
    });
  }

  function problemsToErrors(request: FastifyRequest, error: TemplateInputError) {
    const errors: PageError[] = [];
    const fieldErrors: Record<string, string> = {};
    for (const problem of error.problems) {
      const text = request.t(`notify.templateForm.errors.${problem.key}`);
      errors.push({ text, href: `#${problem.field}` });
      fieldErrors[problem.field] = text;
    }
    return { errors, fieldErrors };
  }

  app.get<{ Params: { type: string } }>(`${base}/templates/new/:type(email|sms|letter)`, async (request, reply) =>
    renderForm(request, reply, { type: request.params.type as TemplateType, values: {} }),
  );

  app.post<{ Params: { type: string }; Body: TemplateForm }>(`${base}/templates/new/:type(email|sms|letter)`, async (request, reply) => {
    const service = serviceOf(request);
    const type = request.params.type as TemplateType;
    const values = request.body ?? {};
    try {
      const template = await core.templates.create({
        serviceId: service.id,
        type,
        name: String(values.name ?? ''),
        subject: values.subject === undefined ? null : String(values.subject),
        body: String(values.body ?? ''),
        postage: (values.postage as Postage | undefined) ?? null,
        letterContactBlock: values.letter_contact_block === undefined ? null : String(values.letter_contact_block),
        createdBy: teamMemberOf(request).actor,
        actor: teamMemberOf(request).actor,
        auditDetails: teamMemberOf(request).auditDetails,
      });
      return reply.redirect(`${baseOf(service)}/templates/${template.id}`, 303);
    } catch (error) {
      if (!(error instanceof TemplateInputError)) throw error;
      return renderForm(request, reply, { type, values, ...problemsToErrors(request, error) });
    }
  });

  app.get<{ Params: { templateId: string } }>(`${base}/templates/:templateId`, async (request, reply) => {
    const template = await findTemplate(request, reply, request.params.templateId);
    if (!template) return reply;
    return renderTemplatePage(request, reply, template, {});
  });

  async function renderTemplatePage(request: FastifyRequest, reply: FastifyReply, template: TemplateRow, values: Record<string, string>) {
    const { t } = request;
    const service = serviceOf(request);
    const placeholders = listPlaceholders(template.subject, template.body, template.letter_contact_block);
    // A value past the limit is not previewed: its field says so, with the limit.
    const tooLong = new Set(Object.entries(values).filter(([, value]) => value.length > PREVIEW_VALUE_MAX_LENGTH).map(([name]) => name));
    const given = Object.fromEntries(Object.entries(values).filter(([name, value]) => value.trim() !== '' && !tooLong.has(name)));
    const tooLongText = t('notify.template.valueTooLong', { max: PREVIEW_VALUE_MAX_LENGTH.toLocaleString('en-GB') });
    const errors = placeholders.flatMap((name, index) => (tooLong.has(name) ? [{ text: `${name}: ${tooLongText}`, href: `#placeholder-${index}` }] : []));
    return reply.render(`${VIEWS}/template/template.njk`, {
      pageTitle: template.name,
      backLink: `${baseOf(service)}`,
      ...pageChrome(request),
      service: { id: service.id, name: service.name },
      template: {
        id: template.id,
        name: template.name,
        type: template.type,
        typeText: t(`notify.templateTypes.${template.type}`),
        version: template.version,
        postage: template.postage ? t(`notify.postage.${template.postage}`) : undefined,
        updatedAt: template.updated_at ?? template.created_at,
      },
      placeholders: placeholders.map((name, index) => ({ name, id: `placeholder-${index}`, value: values[name] ?? '', error: tooLong.has(name) ? tooLongText : undefined })),
      errors,
      preview: describePreview(template, given),
    });
  }

  // Trying a template's placeholders changes nothing, so its form is a GET (no page is the answer
  // to a POST); a POST from a page loaded before is sent on to it.
  function previewValues(template: TemplateRow, given: Record<string, unknown>) {
    const placeholders = listPlaceholders(template.subject, template.body, template.letter_contact_block);
    return Object.fromEntries(placeholders.map((name, index) => {
      const value = given[`placeholder-${index}`];
      return [name, typeof value === 'string' ? value : ''];
    }));
  }

  app.get<{ Params: { templateId: string }; Querystring: Record<string, unknown> }>(`${base}/templates/:templateId/preview`, async (request, reply) => {
    const template = await findTemplate(request, reply, request.params.templateId);
    if (!template) return reply;
    return renderTemplatePage(request, reply, template, previewValues(template, request.query ?? {}));
  });

  app.post<{ Params: { templateId: string }; Body: Record<string, string> }>(`${base}/templates/:templateId/preview`, async (request, reply) => {
    const template = await findTemplate(request, reply, request.params.templateId);
    if (!template) return reply;
    const body = request.body ?? {};
    const query = new URLSearchParams(Object.entries(body).filter(([name, value]) => /^placeholder-\d{1,3}$/.test(name) && typeof value === 'string') as Array<[string, string]>);
    return reply.redirect(`${baseOf({ id: template.service_id })}/templates/${template.id}/preview?${query.toString()}`, 303);
  });

  app.get<{ Params: { templateId: string } }>(`${base}/templates/:templateId/edit`, async (request, reply) => {
    const template = await findTemplate(request, reply, request.params.templateId);
    if (!template) return reply;
    return renderForm(request, reply, {
      type: template.type,
      template,
      values: {
        name: template.name,
        subject: template.subject ?? '',
        body: template.body,
        postage: template.postage ?? undefined,
        letter_contact_block: template.letter_contact_block ?? '',
      },
    });
  });

  app.post<{ Params: { templateId: string }; Body: TemplateForm }>(`${base}/templates/:templateId/edit`, async (request, reply) => {
    const template = await findTemplate(request, reply, request.params.templateId);
    if (!template) return reply;
    const values = request.body ?? {};
    try {
      await core.templates.update({
        template,
        name: String(values.name ?? ''),
        subject: values.subject === undefined ? null : String(values.subject),
        body: String(values.body ?? ''),
        postage: (values.postage as Postage | undefined) ?? template.postage,
        letterContactBlock: values.letter_contact_block === undefined ? template.letter_contact_block : String(values.letter_contact_block),
        updatedBy: teamMemberOf(request).actor,
        actor: teamMemberOf(request).actor,
        auditDetails: teamMemberOf(request).auditDetails,
      });
      return reply.redirect(`${baseOf({ id: template.service_id })}/templates/${template.id}`, 303);
    } catch (error) {
      if (!(error instanceof TemplateInputError)) throw error;
      return renderForm(request, reply, { type: template.type, template, values, ...problemsToErrors(request, error) });
    }
  });
}
