import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkOutboundUrl, outboundPolicyOf } from '../../../platform/net/outbound-request.ts';
import { ClientRegistrationError } from '../../identity/identity.contract.ts';
import { NOTIFY_KEY_TYPES, NotifyAdminError, type NotifyKeyType } from '../../notify/notify.contract.ts';
import { PayAdminError } from '../../pay/pay.contract.ts';
import type { ConsoleSession } from '../sessions/console-sessions.ts';
import { readClientForm, readRedirectUris, readUriLines, type ClientFieldError, type ClientFormBody } from '../onboarding/client-form.ts';
import type { Onboarding } from '../onboarding/onboarding.ts';
import { actorOf, type Organisations } from '../organisations/organisations.ts';
import type { OrganisationRow, ServiceRow } from '../organisations/organisation.store.ts';

const VIEWS = 'modules/console/pages';
/** A multipart form (the client form, which takes a key file) is read whole: this is plenty for a key. */
export const FORM_UPLOAD_LIMIT = 64 * 1024;

type Access = { organisation: OrganisationRow; role: string };
type Chrome = (request: FastifyRequest, pageTitle: string, context?: Record<string, unknown>) => { pageTitle: string } & Record<string, unknown>;
type ServiceParams = { orgId: string; serviceId: string };
type FieldErrors = Record<string, string>;

const idParam = { type: 'string', minLength: 1, maxLength: 64 } as const;
const serviceParams = { type: 'object', required: ['orgId', 'serviceId'], properties: { orgId: idParam, serviceId: idParam } } as const;
const clientParams = {
  type: 'object',
  required: ['orgId', 'serviceId', 'clientId'],
  properties: { orgId: idParam, serviceId: idParam, clientId: idParam },
} as const;
const keyParams = {
  type: 'object',
  required: ['orgId', 'serviceId', 'keyId'],
  properties: { orgId: idParam, serviceId: idParam, keyId: idParam },
} as const;
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const csrfField = { _csrf: { type: 'string' } } as const;
const clientBody = {
  type: 'object',
  properties: {
    redirectUris: text(25_000),
    postLogoutRedirectUris: text(25_000),
    backchannelLogoutUri: text(2100),
    publicKey: text(20_000),
    publicKeyFile: text(20_000),
    jwksUri: text(2100),
    scopes: { anyOf: [text(20), { type: 'array', maxItems: 5, items: text(20) }] },
    levels: text(10),
    requirePkce: text(5),
    ...csrfField,
  },
} as const;
const redirectBody = { type: 'object', properties: { redirectUris: text(25_000), ...csrfField } } as const;
const keyBody = { type: 'object', properties: { name: text(1000), keyType: text(20), description: text(1000), ...csrfField } } as const;
const emptyBody = { type: 'object', properties: { ...csrfField } } as const;
const doneQuery = { type: 'object', properties: { done: { type: 'string', maxLength: 40 } } } as const;

const DONE_MESSAGES: Record<string, string> = {
  'service-created': 'console.newService.done',
  'client-registered': 'console.onboarding.done.clientRegistered',
  'redirect-uris-changed': 'console.onboarding.done.redirectUrisChanged',
  'notify-service-created': 'console.onboarding.done.notifyServiceCreated',
  'notify-key-revoked': 'console.onboarding.done.notifyKeyRevoked',
  'pay-account-created': 'console.onboarding.done.payAccountCreated',
  'pay-key-revoked': 'console.onboarding.done.payKeyRevoked',
};

export type OnboardingPageDependencies = {
  organisations: Organisations;
  onboarding: Onboarding;
  chrome: Chrome;
  accessOf(request: FastifyRequest): Access;
  sessionOf(request: FastifyRequest): ConsoleSession;
};

/**
 * The page of one service: its onboarding checklist, its One Login clients, its Notify and Pay
 * keys (and a secret made a moment ago, shown once). Every member of the organisation sees it;
 * the actions are offered to owners and developers.
 */
export function registerServicePage(pages: FastifyInstance, dependencies: OnboardingPageDependencies): void {
  const { organisations, onboarding, chrome, accessOf, sessionOf } = dependencies;
  pages.get<{ Params: ServiceParams; Querystring: { done?: string } }>(
    '/console/organisations/:orgId/services/:serviceId',
    { schema: { params: serviceParams, querystring: doneQuery } },
    async (request, reply) => {
      const { organisation, role } = accessOf(request);
      const service = await organisations.findService(organisation.id, request.params.serviceId);
      if (!service) return reply.callNotFound();
      const [checklist, clients, notifyServiceId, notifyKeys, payAccountId, payKeys, secrets] = await Promise.all([
        onboarding.checklist(service),
        onboarding.listClients(service),
        onboarding.notifyServiceOf(service),
        onboarding.listNotifyKeys(service),
        onboarding.payAccountOf(service),
        onboarding.listPayKeys(service),
        // A HEAD request (which Fastify answers for every GET route) shows nothing, so takes nothing.
        request.method === 'GET' ? onboarding.takeSecrets({ sessionKey: sessionOf(request).sessionKey, service }) : [],
      ]);
      const base = `/console/organisations/${organisation.id}/services/${service.id}`;
      const links: Record<string, string> = { client: `${base}/clients/new`, notify: `${base}#notify`, pay: `${base}#pay`, live: `${base}#live` };
      const doneKey = request.query.done ? DONE_MESSAGES[request.query.done] : undefined;
      return reply.render(`${VIEWS}/service.njk`, chrome(request, service.name, {
        backLink: `/console/organisations/${organisation.id}`,
        done: doneKey ? request.t(doneKey) : undefined,
        secrets: secrets.map((secret) => ({ title: request.t(`console.onboarding.secret.${secret.kind}`), value: secret.value })),
        organisationName: organisation.name,
        createdAt: service.created_at,
        base,
        canBuild: role === 'owner' || role === 'developer',
        checklist: checklist.map((step) => ({ id: step.id, done: step.done, href: links[step.id] })),
        clients: clients.map((client) => ({
          clientId: client.clientId,
          redirectUris: client.redirectUris,
          scopes: client.scopes.join(' '),
          levels: client.allowedLevels.join(', '),
          requirePkce: client.requirePkce,
          keySource: client.jwksUri ? client.jwksUri : request.t('console.onboarding.clients.registeredKey'),
        })),
        notifyServiceId,
        notifyKeys: notifyKeys.map((key) => ({ ...key, typeName: request.t(`console.onboarding.notifyKey.types.${key.keyType}`) })),
        payAccountId,
        payKeys,
      }));
    },
  );
}

/**
 * What owners and developers do for a service: register and change One Login clients, make the
 * Notify service and Pay account, make and revoke their keys. Registered in a context whose hook
 * lets in only owners and developers, and asks for a recent sign-in where the route says so.
 */
export function registerBuilderPages(pages: FastifyInstance, dependencies: OnboardingPageDependencies): void {
  const { organisations, onboarding, chrome, accessOf, sessionOf } = dependencies;
  const recent = { consoleRecentSignIn: true };
  const base = '/console/organisations/:orgId/services/:serviceId';
  // One Login fetches a client's JWKS: not from this network's private addresses (unless allowed).
  const outboundPolicy = outboundPolicyOf(pages.config);

  /** The service of the URL, if it is the organisation's; otherwise the reply is the not-found page. */
  async function findService(request: FastifyRequest<{ Params: ServiceParams }>, reply: FastifyReply): Promise<ServiceRow | undefined> {
    const service = await organisations.findService(accessOf(request).organisation.id, request.params.serviceId);
    if (!service) await reply.callNotFound();
    return service;
  }
  const pageOf = (service: ServiceRow) => `/console/organisations/${service.organisation_id}/services/${service.id}`;
  const summaryOf = (fieldErrors: FieldErrors) => Object.entries(fieldErrors).map(([field, message]) => ({ text: message, href: `#${field}` }));
  const clientErrorsOf = (request: FastifyRequest, errors: readonly ClientFieldError[]): FieldErrors =>
    Object.fromEntries(errors.map((error) => [error.field, request.t(`console.onboarding.client.errors.${error.key}`)]));

  // Register a One Login client.
  const clientForm = (request: FastifyRequest, service: ServiceRow, values: ClientFormBody = {}, fieldErrors: FieldErrors = {}) => {
    const scopes = values.scopes === undefined ? ['email'] : Array.isArray(values.scopes) ? values.scopes : [values.scopes];
    return chrome(request, request.t('console.onboarding.client.title'), {
      backLink: pageOf(service),
      kind: 'client',
      action: `${pageOf(service)}/clients/new`,
      button: request.t('console.onboarding.client.submit'),
      values: { ...values, publicKeyFile: undefined, scopes },
      fieldErrors,
      errors: summaryOf(fieldErrors),
    });
  };
  pages.get<{ Params: ServiceParams }>(`${base}/clients/new`, { config: recent, schema: { params: serviceParams } }, async (request, reply) => {
    const service = await findService(request, reply);
    if (!service) return reply;
    return reply.render(`${VIEWS}/onboarding-form.njk`, clientForm(request, service));
  });
  pages.post<{ Params: ServiceParams; Body: ClientFormBody }>(
    `${base}/clients/new`,
    { config: recent, bodyLimit: FORM_UPLOAD_LIMIT, schema: { params: serviceParams, body: clientBody } },
    async (request, reply) => {
      const service = await findService(request, reply);
      if (!service) return reply;
      const { client, errors } = readClientForm(request.body, service.name);
      const keyRefused = errors.some((error) => error.field === 'publicKey');
      if (!keyRefused && client.jwksUri && checkOutboundUrl(client.jwksUri, outboundPolicy)) errors.push({ field: 'publicKey', key: 'jwksUriInvalid' });
      if (client.publicKey && !keyRefused) {
        try {
          await onboarding.checkPublicKey(client.publicKey);
        } catch (error) {
          if (!(error instanceof ClientRegistrationError)) throw error;
          errors.push({ field: 'publicKey', key: 'publicKeyInvalid' });
        }
      }
      if (errors.length === 0) {
        try {
          await onboarding.registerClient({ service, client, actor: actorOf(sessionOf(request)) });
          return reply.redirect(`${pageOf(service)}?done=client-registered`, 303);
        } catch (error) {
          // The form checks what One Login checks; anything it still refuses is named on the form.
          if (!(error instanceof ClientRegistrationError)) throw error;
          request.log.info({ errorCode: error.code }, 'console client registration refused');
          errors.push({ field: 'redirectUris', key: 'refused' });
        }
      }
      const ordered = ['redirectUris', 'postLogoutRedirectUris', 'backchannelLogoutUri', 'publicKey', 'scopes', 'levels', 'requirePkce'];
      errors.sort((a, b) => ordered.indexOf(a.field) - ordered.indexOf(b.field));
      return reply.code(400).render(`${VIEWS}/onboarding-form.njk`, clientForm(request, service, request.body, clientErrorsOf(request, errors)));
    },
  );

  // Change a client's redirect URIs.
  const redirectForm = (request: FastifyRequest, service: ServiceRow, clientId: string, value: string, fieldErrors: FieldErrors = {}) =>
    chrome(request, request.t('console.onboarding.redirectUris.title'), {
      backLink: pageOf(service),
      kind: 'redirectUris',
      caption: clientId,
      action: `${pageOf(service)}/clients/${clientId}/redirect-uris`,
      button: request.t('console.onboarding.redirectUris.submit'),
      values: { redirectUris: value },
      fieldErrors,
      errors: summaryOf(fieldErrors),
    });
  pages.get<{ Params: ServiceParams & { clientId: string } }>(
    `${base}/clients/:clientId/redirect-uris`,
    { config: recent, schema: { params: clientParams } },
    async (request, reply) => {
      const service = await findService(request, reply);
      if (!service) return reply;
      const client = await onboarding.findClient(service, request.params.clientId);
      if (!client) return reply.callNotFound();
      return reply.render(`${VIEWS}/onboarding-form.njk`, redirectForm(request, service, client.clientId, client.redirectUris.join('\n')));
    },
  );
  pages.post<{ Params: ServiceParams & { clientId: string }; Body: { redirectUris?: string } }>(
    `${base}/clients/:clientId/redirect-uris`,
    { config: recent, schema: { params: clientParams, body: redirectBody } },
    async (request, reply) => {
      const service = await findService(request, reply);
      if (!service) return reply;
      const client = await onboarding.findClient(service, request.params.clientId);
      if (!client) return reply.callNotFound();
      const { uris, error } = readRedirectUris(request.body.redirectUris);
      if (!error) {
        await onboarding.setRedirectUris({ service, clientId: client.clientId, uris, actor: actorOf(sessionOf(request)) });
        return reply.redirect(`${pageOf(service)}?done=redirect-uris-changed`, 303);
      }
      const fieldErrors = clientErrorsOf(request, [error]);
      return reply.code(400).render(`${VIEWS}/onboarding-form.njk`, redirectForm(request, service, client.clientId, readUriLines(request.body.redirectUris).join('\n'), fieldErrors));
    },
  );

  // Notify: the service's Notify service, its keys.
  pages.post<{ Params: ServiceParams }>(`${base}/notify/service`, { schema: { params: serviceParams, body: emptyBody } }, async (request, reply) => {
    const service = await findService(request, reply);
    if (!service) return reply;
    await onboarding.createNotifyService({ service, actor: actorOf(sessionOf(request)) });
    return reply.redirect(`${pageOf(service)}?done=notify-service-created#notify`, 303);
  });

  type KeyBody = { name?: string; keyType?: string; description?: string };
  const notifyKeyForm = (request: FastifyRequest, service: ServiceRow, values: KeyBody = {}, fieldErrors: FieldErrors = {}) =>
    chrome(request, request.t('console.onboarding.notifyKey.title'), {
      backLink: pageOf(service),
      kind: 'notifyKey',
      action: `${pageOf(service)}/notify/keys/new`,
      button: request.t('console.onboarding.notifyKey.submit'),
      keyTypes: NOTIFY_KEY_TYPES.map((type) => ({
        value: type,
        text: request.t(`console.onboarding.notifyKey.types.${type}`),
        hint: { text: request.t(`console.onboarding.notifyKey.hints.${type}`) },
        checked: values.keyType === type,
      })),
      values,
      fieldErrors,
      errors: summaryOf(fieldErrors),
    });
  const requireNotify = async (request: FastifyRequest<{ Params: ServiceParams }>, reply: FastifyReply) => {
    const service = await findService(request, reply);
    if (!service) return undefined;
    if (!(await onboarding.notifyServiceOf(service))) {
      await reply.callNotFound();
      return undefined;
    }
    return service;
  };
  pages.get<{ Params: ServiceParams }>(`${base}/notify/keys/new`, { config: recent, schema: { params: serviceParams } }, async (request, reply) => {
    const service = await requireNotify(request, reply);
    if (!service) return reply;
    return reply.render(`${VIEWS}/onboarding-form.njk`, notifyKeyForm(request, service));
  });
  pages.post<{ Params: ServiceParams; Body: KeyBody }>(
    `${base}/notify/keys/new`,
    { config: recent, schema: { params: serviceParams, body: keyBody } },
    async (request, reply) => {
      const service = await requireNotify(request, reply);
      if (!service) return reply;
      const fieldErrors: FieldErrors = {};
      const name = (request.body.name ?? '').trim();
      if (!/^[A-Za-z0-9_]+(?:[ _-][A-Za-z0-9_]+)*$/.test(name) || name.length > 255) fieldErrors.name = request.t('console.onboarding.notifyKey.errors.name');
      const keyType = request.body.keyType as NotifyKeyType;
      if (!NOTIFY_KEY_TYPES.includes(keyType)) fieldErrors.keyType = request.t('console.onboarding.notifyKey.errors.keyType');
      if (Object.keys(fieldErrors).length === 0) {
        try {
          const session = sessionOf(request);
          const made = await onboarding.createNotifyKey({ service, keyType, name, actor: actorOf(session) });
          await onboarding.keepSecret({ sessionKey: session.sessionKey, service, kind: 'notify-key', value: made.key });
          return reply.redirect(`${pageOf(service)}#notify`, 303);
        } catch (error) {
          if (!(error instanceof NotifyAdminError) || error.code !== 'INVALID_KEY_NAME') throw error;
          fieldErrors.name = request.t('console.onboarding.notifyKey.errors.name');
        }
      }
      return reply.code(400).render(`${VIEWS}/onboarding-form.njk`, notifyKeyForm(request, service, request.body, fieldErrors));
    },
  );

  // Pay: the service's account (test payments through the sandbox), its keys.
  pages.post<{ Params: ServiceParams }>(`${base}/pay/account`, { schema: { params: serviceParams, body: emptyBody } }, async (request, reply) => {
    const service = await findService(request, reply);
    if (!service) return reply;
    await onboarding.createPayAccount({ service, actor: actorOf(sessionOf(request)) });
    return reply.redirect(`${pageOf(service)}?done=pay-account-created#pay`, 303);
  });
  const requirePay = async (request: FastifyRequest<{ Params: ServiceParams }>, reply: FastifyReply) => {
    const service = await findService(request, reply);
    if (!service) return undefined;
    if (!(await onboarding.payAccountOf(service))) {
      await reply.callNotFound();
      return undefined;
    }
    return service;
  };
  const payKeyForm = (request: FastifyRequest, service: ServiceRow, values: KeyBody = {}, fieldErrors: FieldErrors = {}) =>
    chrome(request, request.t('console.onboarding.payKey.title'), {
      backLink: pageOf(service),
      kind: 'payKey',
      action: `${pageOf(service)}/pay/keys/new`,
      button: request.t('console.onboarding.payKey.submit'),
      values,
      fieldErrors,
      errors: summaryOf(fieldErrors),
    });
  pages.get<{ Params: ServiceParams }>(`${base}/pay/keys/new`, { config: recent, schema: { params: serviceParams } }, async (request, reply) => {
    const service = await requirePay(request, reply);
    if (!service) return reply;
    return reply.render(`${VIEWS}/onboarding-form.njk`, payKeyForm(request, service));
  });
  pages.post<{ Params: ServiceParams; Body: KeyBody }>(
    `${base}/pay/keys/new`,
    { config: recent, schema: { params: serviceParams, body: keyBody } },
    async (request, reply) => {
      const service = await requirePay(request, reply);
      if (!service) return reply;
      const description = (request.body.description ?? '').trim();
      if (description === '' || description.length > 255 || /[\p{Cc}\p{Cf}]/u.test(description)) {
        const fieldErrors = { description: request.t('console.onboarding.payKey.errors.description') };
        return reply.code(400).render(`${VIEWS}/onboarding-form.njk`, payKeyForm(request, service, request.body, fieldErrors));
      }
      const session = sessionOf(request);
      const made = await onboarding.createPayKey({ service, description, actor: actorOf(session) });
      await onboarding.keepSecret({ sessionKey: session.sessionKey, service, kind: 'pay-key', value: made.key });
      return reply.redirect(`${pageOf(service)}#pay`, 303);
    },
  );

  // Revoking a key: a page that asks, then the revocation. A key of another service is not found.
  for (const product of ['notify', 'pay'] as const) {
    const listKeys = (service: ServiceRow) => (product === 'notify' ? onboarding.listNotifyKeys(service) : onboarding.listPayKeys(service));
    const findKey = async (request: FastifyRequest<{ Params: ServiceParams & { keyId: string } }>, reply: FastifyReply) => {
      const service = await findService(request, reply);
      if (!service) return undefined;
      const key = (await listKeys(service)).find((candidate) => candidate.id === request.params.keyId && candidate.revokedAt === null);
      if (!key) {
        await reply.callNotFound();
        return undefined;
      }
      return { service, key };
    };
    const revokeForm = (request: FastifyRequest, service: ServiceRow, keyId: string, label: string) =>
      chrome(request, request.t(`console.onboarding.revoke.${product}Title`, { name: label }), {
        backLink: pageOf(service),
        kind: 'revoke',
        action: `${pageOf(service)}/${product}/keys/${keyId}/revoke`,
        button: request.t('console.onboarding.revoke.submit'),
        paragraphs: [request.t('console.onboarding.revoke.body')],
        values: {},
        fieldErrors: {},
        errors: [],
      });
    pages.get<{ Params: ServiceParams & { keyId: string } }>(`${base}/${product}/keys/:keyId/revoke`, { schema: { params: keyParams } }, async (request, reply) => {
      const found = await findKey(request, reply);
      if (!found) return reply;
      const label = 'name' in found.key ? found.key.name : found.key.description || found.key.hint;
      return reply.render(`${VIEWS}/onboarding-form.njk`, revokeForm(request, found.service, found.key.id, label));
    });
    pages.post<{ Params: ServiceParams & { keyId: string } }>(
      `${base}/${product}/keys/:keyId/revoke`,
      { schema: { params: keyParams, body: emptyBody } },
      async (request, reply) => {
        const found = await findKey(request, reply);
        if (!found) return reply;
        const actor = actorOf(sessionOf(request));
        try {
          if (product === 'notify') await onboarding.revokeNotifyKey({ service: found.service, keyId: found.key.id, actor });
          else await onboarding.revokePayKey({ service: found.service, keyId: found.key.id, actor });
        } catch (error) {
          // Revoked by someone else a moment ago: the outcome they wanted holds.
          const alreadyRevoked = (error instanceof NotifyAdminError || error instanceof PayAdminError) && error.code === 'KEY_ALREADY_REVOKED';
          if (!alreadyRevoked) throw error;
        }
        return reply.redirect(`${pageOf(found.service)}?done=${product}-key-revoked#${product}`, 303);
      },
    );
  }
}
