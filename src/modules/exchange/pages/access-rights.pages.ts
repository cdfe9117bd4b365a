import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { teamMemberOf } from '../../../platform/http/team-access.ts';
import { ExchangeError, type ExchangeErrorCode } from '../exchange.errors.ts';
import { formatSubsystem } from '../registry/identifiers.ts';
import type { Registry, RegistryActor } from '../registry/registry.ts';
import { createExchangeTeamStore } from './exchange-team.store.ts';

const VIEW = 'modules/exchange/pages/access-rights.njk';

type Params = { organisationId: string; serviceId: string };
type RightParams = Params & { accessRightId: string };
type Problem = { field: 'client' | 'endpoint'; key: string };

const REFUSALS: Partial<Record<ExchangeErrorCode, Problem>> = {
  'exchange.INVALID_IDENTIFIER': { field: 'client', key: 'clientInvalid' },
  'exchange.SUBSYSTEM_NOT_FOUND': { field: 'client', key: 'clientUnknown' },
  'exchange.INVALID_ENDPOINT': { field: 'endpoint', key: 'endpointInvalid' },
};

const textOf = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

/**
 * Who may call a service the member provides: the access rights in force, each revocable, and a
 * form granting one to a client subsystem (every endpoint, or a method and path such as
 * `GET /awards/*`). Only the member's own services; each change audited as the console person.
 */
export function registerAccessRightPages(pages: FastifyInstance, dependencies: { registry: Registry; chrome(request: FastifyRequest<{ Params: { organisationId: string } }>): Record<string, unknown> & { base: string } }): void {
  const { registry, chrome } = dependencies;
  const store = createExchangeTeamStore(pages.db);
  const actorOf = (request: FastifyRequest): RegistryActor => ({ audit: teamMemberOf(request).actor, isOperator: false });

  /** The service, when it is one the organisation's approved member provides. */
  async function ourService(request: FastifyRequest<{ Params: Params }>) {
    const member = await store.findMemberOfOrganisation(request.params.organisationId, registry.instance);
    if (member?.status !== 'approved') return undefined;
    const service = (await store.listServices(member.id)).find((candidate) => candidate.id === request.params.serviceId);
    return service && { ...service, identifier: `${formatSubsystem({ instance: member.instance, memberClass: member.member_class, memberCode: member.member_code, subsystemCode: service.subsystem_code })}/${service.service_code}` };
  }

  async function render(request: FastifyRequest<{ Params: Params; Querystring: { done?: string } }>, reply: FastifyReply, form: { client: string; endpoint: string; problems: Problem[] }) {
    const { t } = request;
    const page = chrome(request);
    const service = await ourService(request);
    if (!service) return reply.callNotFound();
    const rights = await store.listAccessRights(service.id);
    const say = (problem: Problem) => t(`exchange.pages.errors.${problem.key}`);
    const done = request.query?.done === 'granted' || request.query?.done === 'revoked' ? t(`exchange.pages.access.done.${request.query.done}`) : undefined;
    return reply.code(form.problems.length > 0 ? 400 : 200).render(VIEW, {
      ...page,
      pageTitle: t('exchange.pages.access.title', { service: service.identifier }),
      backLink: page.base,
      done,
      action: `${page.base}/services/${service.id}/access`,
      rights: rights.map((right) => ({
        id: right.id,
        client: formatSubsystem({ instance: right.instance, memberClass: right.member_class, memberCode: right.member_code, subsystemCode: right.subsystem_code }),
        endpoint: right.endpoint_method === '*' && right.endpoint_path === '*' ? t('exchange.pages.access.everyEndpoint') : `${right.endpoint_method} ${right.endpoint_path}`,
        grantedAt: right.created_at,
      })),
      values: form,
      errors: form.problems.map((problem) => ({ text: say(problem), href: `#${problem.field}` })),
      fieldErrors: Object.fromEntries(form.problems.map((problem) => [problem.field, { text: say(problem) }])),
    });
  }

  const params = { type: 'object', properties: { organisationId: { type: 'string', maxLength: 64 }, serviceId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } }, required: ['organisationId', 'serviceId'] };
  const rightParams = { type: 'object', properties: { ...params.properties, accessRightId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } }, required: [...params.required, 'accessRightId'] };
  const path = '/console/exchange/:organisationId/services/:serviceId/access';

  pages.get<{ Params: Params; Querystring: { done?: string } }>(path, { schema: { params } }, (request, reply) => render(request, reply, { client: '', endpoint: '', problems: [] }));

  pages.post<{ Params: Params; Querystring: { done?: string } }>(path, { schema: { params } }, async (request, reply) => {
    const service = await ourService(request);
    if (!service) return reply.callNotFound();
    const form = { client: textOf(request.body, 'client'), endpoint: textOf(request.body, 'endpoint'), problems: [] as Problem[] };
    if (form.client === '') form.problems.push({ field: 'client', key: 'clientMissing' });
    if (form.client.length > 300 || form.endpoint.length > 300) form.problems.push({ field: form.client.length > 300 ? 'client' : 'endpoint', key: 'tooLong' });
    if (form.problems.length === 0) {
      try {
        await registry.grantAccess({ serviceId: service.id, client: form.client, ...(form.endpoint === '' ? {} : { endpoint: form.endpoint }), actor: actorOf(request) });
        return reply.redirect(`${chrome(request).base}/services/${service.id}/access?done=granted`, 303);
      } catch (error) {
        const refusal = error instanceof ExchangeError ? REFUSALS[error.code] : undefined;
        if (!refusal) throw error;
        form.problems.push(refusal);
      }
    }
    return render(request, reply, form);
  });

  pages.post<{ Params: RightParams }>(`${path}/:accessRightId/revoke`, { schema: { params: rightParams } }, async (request, reply) => {
    const service = await ourService(request);
    if (!service) return reply.callNotFound();
    const right = (await store.listAccessRights(service.id)).find((candidate) => candidate.id === request.params.accessRightId);
    // Revoked already (a second tab, a replay): nothing to do.
    if (right) {
      const client = formatSubsystem({ instance: right.instance, memberClass: right.member_class, memberCode: right.member_code, subsystemCode: right.subsystem_code });
      const endpoint = right.endpoint_method === '*' && right.endpoint_path === '*' ? undefined : `${right.endpoint_method} ${right.endpoint_path}`;
      await registry.revokeAccess({ serviceId: service.id, client, ...(endpoint === undefined ? {} : { endpoint }), actor: actorOf(request) });
    }
    return reply.redirect(`${chrome(request).base}/services/${service.id}/access?done=revoked`, 303);
  });
}
