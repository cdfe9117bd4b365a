import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { teamMemberOf } from '../../../platform/http/team-access.ts';
import { ExchangeError } from '../exchange.errors.ts';
import { formatSubsystem } from '../registry/identifiers.ts';
import type { Registry, RegistryActor } from '../registry/registry.ts';
import { createExchangeTeamStore } from './exchange-team.store.ts';
import { pastedOrUploaded } from './registration.pages.ts';

const KEYS_VIEW = 'modules/exchange/pages/subsystem-keys.njk';
const REVOKE_VIEW = 'modules/exchange/pages/revoke-key.njk';

type Params = { organisationId: string; subsystemId: string };
type KeyParams = Params & { thumbprint: string };
type Problem = { field: string; key: string };

/**
 * A subsystem's public keys on its member's Exchange pages: each with its thumbprint (the `keyid`
 * its signatures name) and the day it was added; keys added for rotation; a key revoked after a
 * page that asks first, and that says, when it is the last key in use, that the subsystem's calls
 * stop until a key is added (the person ticks that they understand). Changes go through the
 * registry, which bumps the version the gateway's cache follows, so the next call sees them.
 */
export function registerSubsystemKeyPages(pages: FastifyInstance, dependencies: { registry: Registry; chrome(request: FastifyRequest<{ Params: { organisationId: string } }>): Record<string, unknown> & { base: string } }): void {
  const { registry, chrome } = dependencies;
  const store = createExchangeTeamStore(pages.db);
  const actorOf = (request: FastifyRequest): RegistryActor => ({ audit: teamMemberOf(request).actor, isOperator: false });

  /** The subsystem with its keys, when it belongs to the organisation's approved member. */
  async function ourSubsystem(request: FastifyRequest<{ Params: Params }>) {
    const member = await store.findMemberOfOrganisation(request.params.organisationId, registry.instance);
    if (member?.status !== 'approved') return undefined;
    const subsystem = await store.findSubsystemOfMember(member.id, request.params.subsystemId);
    if (!subsystem) return undefined;
    const keys = await store.listKeys(subsystem.id);
    const identifier = formatSubsystem({ instance: member.instance, memberClass: member.member_class, memberCode: member.member_code, subsystemCode: subsystem.subsystem_code });
    return { id: subsystem.id, identifier, keys, inUse: keys.filter((key) => key.revoked_at === null) };
  }
  const keysPathOf = (request: FastifyRequest<{ Params: Params }>) => `${chrome(request).base}/subsystems/${request.params.subsystemId}/keys`;

  async function renderKeys(request: FastifyRequest<{ Params: Params; Querystring: { done?: string } }>, reply: FastifyReply, form: { publicKey: string; problems: Problem[] }) {
    const { t } = request;
    const subsystem = await ourSubsystem(request);
    if (!subsystem) return reply.callNotFound();
    const page = chrome(request);
    const say = (problem: Problem) => t(`exchange.pages.errors.${problem.key}`);
    const done = request.query?.done === 'added' || request.query?.done === 'revoked' ? t(`exchange.pages.keys.done.${request.query.done}`) : undefined;
    return reply.code(form.problems.length > 0 ? 400 : 200).render(KEYS_VIEW, {
      ...page,
      pageTitle: t('exchange.pages.keys.title', { subsystem: subsystem.identifier }),
      backLink: page.base,
      done,
      action: keysPathOf(request),
      keys: [...subsystem.inUse, ...subsystem.keys.filter((key) => key.revoked_at !== null)].map((key) => ({
        thumbprint: key.thumbprint,
        algorithm: key.algorithm,
        addedAt: key.created_at,
        revokedAt: key.revoked_at,
      })),
      values: { publicKey: form.publicKey },
      errors: form.problems.map((problem) => ({ text: say(problem), href: `#${problem.field}` })),
      fieldErrors: Object.fromEntries(form.problems.map((problem) => [problem.field, { text: say(problem) }])),
    });
  }

  async function renderRevoke(request: FastifyRequest<{ Params: KeyParams }>, reply: FastifyReply, problem?: string) {
    const { t } = request;
    const subsystem = await ourSubsystem(request);
    const key = subsystem?.inUse.find((candidate) => candidate.thumbprint === request.params.thumbprint);
    if (!subsystem) return reply.callNotFound();
    // Revoked already (a second tab, a replay): back to the list.
    if (!key) return reply.redirect(keysPathOf(request), 303);
    const page = chrome(request);
    return reply.code(problem ? 400 : 200).render(REVOKE_VIEW, {
      ...page,
      pageTitle: t('exchange.pages.keys.revokeTitle'),
      backLink: keysPathOf(request),
      action: `${keysPathOf(request)}/${key.thumbprint}/revoke`,
      subsystem: subsystem.identifier,
      thumbprint: key.thumbprint,
      last: subsystem.inUse.length === 1,
      errors: problem ? [{ text: t(`exchange.pages.errors.${problem}`), href: '#confirm' }] : [],
      confirmError: problem ? { text: t(`exchange.pages.errors.${problem}`) } : undefined,
    });
  }

  const params = { type: 'object', properties: { organisationId: { type: 'string', maxLength: 64 }, subsystemId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } }, required: ['organisationId', 'subsystemId'] };
  const keyParams = { type: 'object', properties: { ...params.properties, thumbprint: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } }, required: [...params.required, 'thumbprint'] };
  const path = '/console/exchange/:organisationId/subsystems/:subsystemId/keys';

  pages.get<{ Params: Params; Querystring: { done?: string } }>(path, { schema: { params } }, (request, reply) => renderKeys(request, reply, { publicKey: '', problems: [] }));

  pages.post<{ Params: Params; Querystring: { done?: string } }>(path, { schema: { params } }, async (request, reply) => {
    const subsystem = await ourSubsystem(request);
    if (!subsystem) return reply.callNotFound();
    const problems: Problem[] = [];
    const publicKeys = pastedOrUploaded(request.body, 'publicKey', problems, { missing: 'keyMissing', twice: 'keyTwice' });
    const pasted = (request.body as Record<string, unknown> | undefined)?.publicKey;
    const form = { publicKey: typeof pasted === 'string' ? pasted : '', problems };
    if (problems.length === 0) {
      try {
        await registry.addKeys({ subsystem: subsystem.identifier, publicKeys, actor: actorOf(request) });
        return reply.redirect(`${keysPathOf(request)}?done=added`, 303);
      } catch (error) {
        if (!(error instanceof ExchangeError && (error.code === 'exchange.INVALID_PUBLIC_KEY' || error.code === 'exchange.KEY_EXISTS'))) throw error;
        problems.push({ field: 'publicKey', key: error.code === 'exchange.KEY_EXISTS' ? 'keyTaken' : 'keyInvalid' });
      }
    }
    return renderKeys(request, reply, form);
  });

  pages.get<{ Params: KeyParams }>(`${path}/:thumbprint/revoke`, { schema: { params: keyParams } }, (request, reply) => renderRevoke(request, reply));

  pages.post<{ Params: KeyParams }>(`${path}/:thumbprint/revoke`, { schema: { params: keyParams } }, async (request, reply) => {
    const subsystem = await ourSubsystem(request);
    if (!subsystem) return reply.callNotFound();
    const key = subsystem.inUse.find((candidate) => candidate.thumbprint === request.params.thumbprint);
    if (!key) return reply.redirect(keysPathOf(request), 303);
    const confirmed = (request.body as Record<string, unknown> | undefined)?.confirm === 'stops';
    if (subsystem.inUse.length === 1 && !confirmed) return renderRevoke(request, reply, 'confirmLastKey');
    try {
      // The registry counts the keys in use again inside its transaction: another key revoked at the same moment makes this one the last.
      await registry.revokeKey({ subsystem: subsystem.identifier, thumbprint: key.thumbprint, lastKey: confirmed ? 'allow' : 'refuse', actor: actorOf(request) });
    } catch (error) {
      if (error instanceof ExchangeError && error.code === 'exchange.LAST_KEY') return renderRevoke(request, reply, 'confirmLastKey');
      // Revoked in another tab between the read and the write.
      if (!(error instanceof ExchangeError && error.code === 'exchange.KEY_NOT_FOUND')) throw error;
    }
    return reply.redirect(`${keysPathOf(request)}?done=revoked`, 303);
  });
}
