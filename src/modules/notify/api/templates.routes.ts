import type { FastifyInstance } from 'fastify';
import { noResultFound, validationError } from '../notify.errors.ts';
import type { NotifyCore } from '../notify.core.ts';
import { serialiseTemplate, templateOfVersion } from '../notifications/notification.view.ts';
import { checkPersonalisation, fillTemplate } from '../templates/fill-template.ts';
import { renderEmailBodyHtml } from '../templates/render-email.ts';
import type { TemplateRow } from '../templates/template.store.ts';
import { requireCaller } from './api.plugin.ts';
import type { NotifySchema } from './notify-schema.ts';

/** The largest integer a template's version column holds, on either database. */
const MAX_TEMPLATE_VERSION = 2_147_483_647;

const templateParams: NotifySchema = {
  type: 'object',
  required: ['template_id'],
  properties: { template_id: { type: 'string', format: 'uuid' }, version: { type: 'string' } },
};

const previewBody: NotifySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { personalisation: { type: 'object' } },
};

const listQuery: NotifySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { type: { type: 'string', enum: ['sms', 'email', 'letter'] } },
};

export function registerTemplateRoutes(app: FastifyInstance, core: NotifyCore): void {
  async function findOwnTemplate(serviceId: string, templateId: string): Promise<TemplateRow> {
    const template = await core.templates.find(templateId);
    if (!template || template.service_id !== serviceId) throw noResultFound();
    return template;
  }

  app.get<{ Params: { template_id: string } }>('/template/:template_id', { schema: { params: templateParams } }, async (request) => {
    const caller = requireCaller(request);
    return serialiseTemplate(await findOwnTemplate(caller.service.id, request.params.template_id));
  });

  app.get<{ Params: { template_id: string; version: string } }>(
    '/template/:template_id/version/:version',
    { schema: { params: templateParams } },
    async (request) => {
      const caller = requireCaller(request);
      const { version } = request.params;
      if (!/^\d+$/.test(version)) throw validationError([`version ${version} is not of type integer`]);
      if (Number(version) < 1) throw validationError([`version ${version} is less than the minimum of 1`]);
      // No template has that many versions (and the database's integer could not hold it).
      if (Number(version) > MAX_TEMPLATE_VERSION) throw noResultFound();
      const template = await findOwnTemplate(caller.service.id, request.params.template_id);
      const found = await core.templates.findVersion(template.id, Number(version));
      if (!found) throw noResultFound();
      return serialiseTemplate(templateOfVersion(template, found));
    },
  );

  app.get<{ Querystring: { type?: 'email' | 'sms' | 'letter' } }>('/templates', { schema: { querystring: listQuery } }, async (request) => {
    const caller = requireCaller(request);
    const templates = await core.templates.list({ serviceId: caller.service.id, type: request.query.type });
    return { templates: templates.map(serialiseTemplate) };
  });

  app.post<{ Params: { template_id: string }; Body: { personalisation?: Record<string, unknown> } | null }>(
    '/template/:template_id/preview',
    { config: { csrf: false }, schema: { params: templateParams, body: previewBody } },
    async (request) => {
      const caller = requireCaller(request);
      const template = await findOwnTemplate(caller.service.id, request.params.template_id);
      const personalisation = request.body?.personalisation ?? {};
      const missing = checkPersonalisation(template, personalisation);
      if (missing) throw missing;
      const filled = fillTemplate(template, personalisation);
      return {
        id: template.id,
        type: template.type,
        version: template.version,
        body: filled.body,
        html: template.type === 'email' ? renderEmailBodyHtml(filled.body) : null,
        subject: filled.subject,
        postage: template.type === 'letter' ? template.postage : null,
      };
    },
  );
}
