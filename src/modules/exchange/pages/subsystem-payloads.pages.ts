import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { teamMemberOf } from '../../../platform/http/team-access.ts';
import { secretBoxesOf } from '../../../platform/secrets/secret-box.ts';
import { ExchangeError } from '../exchange.errors.ts';
import { PAYLOAD_PURPOSE } from '../payloads/keep-payloads.ts';
import { createPayloads, MAX_KEEP_DAYS, readKeepDays } from '../payloads/payloads.ts';
import { formatSubsystem } from '../registry/identifiers.ts';
import type { Registry } from '../registry/registry.ts';
import { createExchangeTeamStore } from './exchange-team.store.ts';

const VIEW = 'modules/exchange/pages/subsystem-payloads.njk';

type Params = { organisationId: string; subsystemId: string };
type Form = { keep: string; days: string; problem?: { field: 'keep' | 'days'; key: 'payloadsChoose' | 'payloadsDays' } };

const textOf = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

/**
 * Whether a subsystem's calls have their bodies kept, on its member's Exchange pages (off unless
 * the member asks; kept sealed, for the days chosen). Changes are audited as the person, and move
 * the registry version, so the gateway keeps, or stops, from the next call.
 */
export function registerSubsystemPayloadPages(pages: FastifyInstance, dependencies: { registry: Registry; chrome(request: FastifyRequest<{ Params: { organisationId: string } }>): Record<string, unknown> & { base: string } }): void {
  const { registry, chrome } = dependencies;
  const store = createExchangeTeamStore(pages.db);
  const payloads = createPayloads({ db: pages.db, audit: pages.audit, instance: registry.instance, box: secretBoxesOf(pages.config).forPurpose(PAYLOAD_PURPOSE) });

  /** The subsystem, when it belongs to the organisation's approved member. */
  async function ourSubsystem(request: FastifyRequest<{ Params: Params }>) {
    const member = await store.findMemberOfOrganisation(request.params.organisationId, registry.instance);
    if (member?.status !== 'approved') return undefined;
    const subsystem = await store.findSubsystemOfMember(member.id, request.params.subsystemId);
    if (!subsystem) return undefined;
    return { memberId: member.id, identifier: formatSubsystem({ instance: member.instance, memberClass: member.member_class, memberCode: member.member_code, subsystemCode: subsystem.subsystem_code }) };
  }
  const pathOf = (request: FastifyRequest<{ Params: Params }>) => `${chrome(request).base}/subsystems/${request.params.subsystemId}/payloads`;

  async function render(request: FastifyRequest<{ Params: Params; Querystring: { done?: string } }>, reply: FastifyReply, form?: Form) {
    const { t } = request;
    const subsystem = await ourSubsystem(request);
    if (!subsystem) return reply.callNotFound();
    const keepDays = await payloads.readSetting(subsystem.identifier);
    const page = chrome(request);
    const problem = form?.problem;
    const say = (key: string) => t(`exchange.payloads.errors.${key}`, { max: MAX_KEEP_DAYS });
    return reply.code(problem ? 400 : 200).render(VIEW, {
      ...page,
      pageTitle: t('exchange.payloads.title', { subsystem: subsystem.identifier }),
      backLink: page.base,
      done: request.query?.done === 'saved' && !form ? t(keepDays === null ? 'exchange.payloads.done.off' : 'exchange.payloads.done.on', { days: keepDays ?? 0 }) : undefined,
      action: pathOf(request),
      current: keepDays === null ? t('exchange.payloads.notKept') : t('exchange.payloads.keptFor', { days: keepDays }),
      values: form ? { keep: form.keep, days: form.days } : { keep: keepDays === null ? 'off' : 'on', days: keepDays === null ? '' : String(keepDays) },
      max: MAX_KEEP_DAYS,
      errors: problem ? [{ text: say(problem.key), href: `#${problem.field}` }] : [],
      fieldErrors: problem ? { [problem.field]: { text: say(problem.key) } } : {},
    });
  }

  const params = { type: 'object', properties: { organisationId: { type: 'string', maxLength: 64 }, subsystemId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } }, required: ['organisationId', 'subsystemId'] };
  const path = '/console/exchange/:organisationId/subsystems/:subsystemId/payloads';

  pages.get<{ Params: Params; Querystring: { done?: string } }>(path, { schema: { params } }, (request, reply) => render(request, reply));

  pages.post<{ Params: Params; Querystring: { done?: string } }>(path, { schema: { params } }, async (request, reply) => {
    const subsystem = await ourSubsystem(request);
    if (!subsystem) return reply.callNotFound();
    const form: Form = { keep: textOf(request.body, 'keep'), days: textOf(request.body, 'days').slice(0, 20) };
    let keepDays: number | 'off' | undefined;
    if (form.keep === 'off') keepDays = 'off';
    else if (form.keep !== 'on') form.problem = { field: 'keep', key: 'payloadsChoose' };
    else {
      try {
        keepDays = readKeepDays(form.days);
        if (keepDays === 'off') throw new ExchangeError('exchange.INVALID_RETENTION', 'off is not a number of days');
      } catch (error) {
        if (!(error instanceof ExchangeError && error.code === 'exchange.INVALID_RETENTION')) throw error;
        keepDays = undefined;
        form.problem = { field: 'days', key: 'payloadsDays' };
      }
    }
    if (keepDays === undefined) return render(request, reply, form);
    await payloads.setKeeping({ subsystem: subsystem.identifier, keepDays, asMemberId: subsystem.memberId, actor: teamMemberOf(request).actor });
    return reply.redirect(`${pathOf(request)}?done=saved`, 303);
  });
}
