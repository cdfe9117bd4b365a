import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { teamMemberOf } from '../../../platform/http/team-access.ts';
import type { NotifyCore } from '../notify.core.ts';
import { CALLBACK_TOKEN_MAX_LENGTH, CALLBACK_TOKEN_MIN_LENGTH, CALLBACK_URL_LIMIT, ServiceAdminError } from '../services/service.service.ts';
import type { ServiceRow } from '../services/service.store.ts';

const VIEWS = 'modules/notify/pages';

/** The two callbacks a service may set, by the words of their addresses and the service's own name for them. */
const KINDS = { 'delivery-receipts': 'delivery', 'received-text-messages': 'inbound' } as const;
type KindSlug = keyof typeof KINDS;
type Field = 'url' | 'bearer_token';
type Problem = { field: Field; key: string };

export type CallbackPageDependencies = {
  core: NotifyCore;
  /** The route prefix of a service's team pages. */
  base: string;
  serviceOf(request: FastifyRequest): ServiceRow;
  chrome(request: FastifyRequest): Record<string, unknown> & { base: string; mayChange: boolean };
};

function describe(service: ServiceRow, slug: KindSlug) {
  const kind = KINDS[slug];
  return kind === 'delivery'
    ? { slug, kind, url: service.delivery_callback_url, tokenSet: service.delivery_callback_token !== null }
    : { slug, kind, url: service.inbound_callback_url, tokenSet: service.inbound_callback_token !== null };
}

const textOf = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

/**
 * A service's callbacks, as Notify's admin has them: one for delivery receipts and one for
 * received text messages, each a URL and a bearer token. The token is never shown again once
 * saved (the page says one is set); changing the URL alone keeps it. Owners and developers set,
 * change and remove them; viewers read.
 */
export function registerCallbackPages(app: FastifyInstance, dependencies: CallbackPageDependencies): void {
  const { core, base, serviceOf, chrome } = dependencies;
  const kind = `:kind(${Object.keys(KINDS).join('|')})`;

  app.get<{ Querystring: { done?: string } }>(`${base}/callbacks`, async (request, reply) => {
    const { t } = request;
    const service = serviceOf(request);
    const page = chrome(request);
    const done = request.query?.done;
    return reply.render(`${VIEWS}/callbacks/callbacks.njk`, {
      ...page,
      pageTitle: t('notify.callbacks.title'),
      backLink: page.base,
      done: done === 'set' || done === 'removed' ? t(`notify.callbacks.done.${done}`) : undefined,
      callbacks: (Object.keys(KINDS) as KindSlug[]).map((slug) => {
        const callback = describe(service, slug);
        return {
          ...callback,
          heading: t(`notify.callbacks.${slug}.title`),
          rows: [
            { key: { text: t('notify.callbacks.url') }, value: { text: callback.url ?? t('notify.callbacks.notSet') } },
            { key: { text: t('notify.callbacks.bearerToken') }, value: { text: t(callback.tokenSet ? 'notify.callbacks.tokenSet' : 'notify.callbacks.notSet') } },
          ],
        };
      }),
    });
  });

  function renderForm(request: FastifyRequest, reply: FastifyReply, form: { slug: KindSlug; url: string; problems: Problem[] }) {
    const { t } = request;
    const callback = describe(serviceOf(request), form.slug);
    const page = chrome(request);
    const limits: Record<string, number> = { urlTooLong: CALLBACK_URL_LIMIT, tokenTooShort: CALLBACK_TOKEN_MIN_LENGTH, tokenTooLong: CALLBACK_TOKEN_MAX_LENGTH };
    const say = (key: string) => t(`notify.callbacks.errors.${key}`, { limit: (limits[key] ?? 0).toLocaleString('en-GB') });
    const ids: Record<Field, string> = { url: 'url', bearer_token: 'bearer_token' };
    const fieldError = (field: Field) => {
      const found = form.problems.find((problem) => problem.field === field);
      return found ? { text: say(found.key) } : undefined;
    };
    return reply.code(form.problems.length > 0 ? 400 : 200).render(`${VIEWS}/callback-form/callback-form.njk`, {
      ...page,
      pageTitle: t(`notify.callbacks.${form.slug}.title`),
      backLink: `${page.base}/callbacks`,
      action: `${page.base}/callbacks/${form.slug}`,
      intro: t(`notify.callbacks.${form.slug}.intro`),
      url: form.url,
      tokenHint: t(callback.tokenSet ? 'notify.callbacks.tokenHintKeep' : 'notify.callbacks.tokenHint', { min: CALLBACK_TOKEN_MIN_LENGTH }),
      errors: form.problems.map((problem) => ({ text: say(problem.key), href: `#${ids[problem.field]}` })),
      fieldErrors: { url: fieldError('url'), bearerToken: fieldError('bearer_token') },
    });
  }

  app.get<{ Params: { kind: KindSlug } }>(`${base}/callbacks/${kind}`, async (request, reply) =>
    renderForm(request, reply, { slug: request.params.kind, url: describe(serviceOf(request), request.params.kind).url ?? '', problems: [] }),
  );

  app.post<{ Params: { kind: KindSlug } }>(`${base}/callbacks/${kind}`, async (request, reply) => {
    const slug = request.params.kind;
    const service = serviceOf(request);
    const callback = describe(service, slug);
    const url = textOf(request.body, 'url');
    const bearerToken = textOf(request.body, 'bearer_token');
    // Each field says what is wrong with it, limits first (the service's checks would only call a long value invalid).
    const problems: Problem[] = [];
    if (url === '') problems.push({ field: 'url', key: 'urlMissing' });
    else if (url.length > CALLBACK_URL_LIMIT) problems.push({ field: 'url', key: 'urlTooLong' });
    if (bearerToken === '' && !callback.tokenSet) problems.push({ field: 'bearer_token', key: 'tokenMissing' });
    else if (bearerToken !== '' && bearerToken.length < CALLBACK_TOKEN_MIN_LENGTH) problems.push({ field: 'bearer_token', key: 'tokenTooShort' });
    else if (bearerToken.length > CALLBACK_TOKEN_MAX_LENGTH) problems.push({ field: 'bearer_token', key: 'tokenTooLong' });
    if (problems.length === 0) {
      try {
        await core.serviceAdmin.setCallback({
          serviceId: service.id,
          kind: callback.kind,
          url,
          bearerToken: bearerToken === '' ? null : bearerToken,
          keepBearerToken: bearerToken === '',
          actor: teamMemberOf(request).actor,
          auditDetails: teamMemberOf(request).auditDetails,
        });
        return reply.redirect(`${chrome(request).base}/callbacks?done=set`, 303);
      } catch (error) {
        if (!(error instanceof ServiceAdminError)) throw error;
        if (error.code === 'PRIVATE_CALLBACK_URL') problems.push({ field: 'url', key: 'urlPrivate' });
        else if (error.code === 'INVALID_BEARER_TOKEN') problems.push({ field: 'bearer_token', key: 'tokenTooShort' });
        else problems.push({ field: 'url', key: 'urlInvalid' });
      }
    }
    return renderForm(request, reply, { slug, url, problems });
  });

  app.get<{ Params: { kind: KindSlug } }>(`${base}/callbacks/${kind}/remove`, async (request, reply) => {
    const { t } = request;
    const callback = describe(serviceOf(request), request.params.kind);
    const page = chrome(request);
    if (callback.url === null) return reply.redirect(`${page.base}/callbacks`, 303);
    return reply.render(`${VIEWS}/callback-remove/callback-remove.njk`, {
      ...page,
      pageTitle: t(`notify.callbacks.${callback.slug}.removeTitle`),
      backLink: `${page.base}/callbacks`,
      action: `${page.base}/callbacks/${callback.slug}/remove`,
      url: callback.url,
    });
  });

  app.post<{ Params: { kind: KindSlug } }>(`${base}/callbacks/${kind}/remove`, async (request, reply) => {
    const service = serviceOf(request);
    const callback = describe(service, request.params.kind);
    // Removing one already removed (a second tab, a replay) changes nothing and records nothing.
    if (callback.url !== null) {
      await core.serviceAdmin.setCallback({
        serviceId: service.id,
        kind: callback.kind,
        url: null,
        bearerToken: null,
        actor: teamMemberOf(request).actor,
        auditDetails: teamMemberOf(request).auditDetails,
      });
    }
    return reply.redirect(`${chrome(request).base}/callbacks?done=removed`, 303);
  });
}
