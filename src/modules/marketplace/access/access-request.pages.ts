import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mayChange, requireTeamMember, teamMemberOf } from '../../../platform/http/team-access.ts';
import { findSignedInConsoleMember, listConsoleTeamEmails } from '../../console/console.contract.ts';
import { ExchangeError, findLatestAskedLastDay, LAWFUL_BASES, MAX_ASKED_AGREEMENT_YEARS, type AgreementRequests } from '../../exchange/exchange.contract.ts';
import type { Catalogue } from '../catalogue/catalogue.ts';
import { marketplaceChrome } from '../console/record-editor.pages.ts';
import { recordPath } from '../pages/record-address.ts';
import { sendRequestDecidedEmail, sendRequestReceivedEmail } from './access-request-email.ts';
import { createAccessRequestStore, showRequestStatus, type AccessRequestRow } from './access-request.store.ts';
import { findAskableService, type AskableService } from './askable-service.ts';

const VIEWS = 'modules/marketplace/access';
const TEXT_LIMIT = 500;
type Params = { organisationId: string };
type RequestParams = Params & { requestId: string };
type Body = Record<string, unknown>;
const organisationParam = { organisationId: { type: 'string', maxLength: 64 } };
const paramsSchema = { type: 'object', properties: organisationParam, required: ['organisationId'] } as const;
const requestParamsSchema = { type: 'object', properties: { ...organisationParam, requestId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } }, required: ['organisationId', 'requestId'] } as const;
// Not required: a request without it must still meet the team-access hook first (sign-in, 404, 403).
const recordQuerySchema = { type: 'object', properties: { record: { type: 'string', maxLength: 2000 } } } as const;

const textOf = (body: Body, name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
const listOf = (body: Body, name: string) => [body[name]].flat().filter((item): item is string => typeof item === 'string');
const isOneLine = (text: string) => text !== '' && text.length <= TEXT_LIMIT && !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(text);

/** A GOV.UK date input's three parts as YYYY-MM-DD, when they make a real date after today. */
function readFutureDay(body: Body, name: string, today: Date): string | undefined {
  const [day, month, year] = ['day', 'month', 'year'].map((part) => textOf(body, `${name}-${part}`));
  if (!/^\d{1,2}$/.test(day!) || !/^\d{1,2}$/.test(month!) || !/^\d{4}$/.test(year!)) return undefined;
  const text = `${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`;
  const date = new Date(`${text}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) return undefined;
  return text > today.toISOString().slice(0, 10) ? text : undefined;
}

const dateParts = (day: string | undefined) => {
  const [year, month, date] = (day ?? '').split('-');
  return { day: date ?? '', month: month ?? '', year: year ?? '' };
};

/**
 * Asking for data through the catalogue, under /console/marketplace/ORGANISATION_ID/requests: a
 * member organisation asks for access to a record backed by another's Exchange service (an
 * agreement drafted in Exchange, approved by the asking); the provider's owners and developers
 * narrow it, approve it or refuse it with a reason; both sides are emailed and see its status.
 */
export async function registerAccessRequestPages(app: FastifyInstance, dependencies: { catalogue: Catalogue; agreementRequests: AgreementRequests }): Promise<void> {
  const { catalogue, agreementRequests } = dependencies;
  const store = createAccessRequestStore(app.db);
  const requestsPath = (organisationId: string) => `/console/marketplace/${organisationId}/requests`;
  const absolute = (path: string) => `${app.config.BASE_URL.replace(/\/$/, '')}${path}`;

  async function requireAskable(organisationId: string, identifier: string | undefined): Promise<AskableService | undefined> {
    if (!identifier) return undefined;
    const askable = await findAskableService(await catalogue.current(), agreementRequests, identifier);
    return askable && askable.service.organisationId !== organisationId ? askable : undefined;
  }

  async function renderAsk(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, askable: AskableService, input: { values: Record<string, unknown>; errors: Record<string, string> }) {
    const { t } = request;
    const subsystems = await agreementRequests.listSubsystemsOf(request.params.organisationId);
    const errorList = Object.entries(input.errors).map(([name, text]) => ({ text, href: name === 'until' ? '#until-day' : `#${name}` }));
    const fieldError = (name: string) => (input.errors[name] ? { text: input.errors[name] } : undefined);
    const fields = input.values.fields as string[];
    return reply.code(errorList.length > 0 ? 400 : 200).render(`${VIEWS}/ask.njk`, {
      ...marketplaceChrome(request),
      pageTitle: t('marketplace.access.askTitle', { title: askable.entry.record.title }),
      backLink: recordPath('/console/data', askable.entry.record.identifier),
      recordTitle: askable.entry.record.title,
      action: `${requestsPath(request.params.organisationId)}/new?${new URLSearchParams({ record: askable.entry.record.identifier })}`,
      errors: errorList,
      fieldError,
      values: input.values,
      until: dateParts(input.values.until as string | undefined),
      lawfulBases: LAWFUL_BASES.map((value) => ({ value, text: t(`marketplace.access.lawfulBases.${value}`), checked: input.values.lawfulBasis === value })),
      fieldChoices: askable.service.fields.map((value) => ({ value, text: value, checked: fields.includes(value) })),
      subsystems: subsystems.map((value) => ({ value, text: value, checked: input.values.subsystem === value })),
    });
  }

  async function saveOrWithdraw(request: FastifyRequest, draft: { agreementId: string; consumerOrganisationId: string; actor: string }, save: () => Promise<void>): Promise<void> {
    try {
      await save();
    } catch (error) {
      try {
        await agreementRequests.withdraw(draft);
      } catch (withdrawError) {
        request.log.error({ err: withdrawError, agreement: draft.agreementId }, 'marketplace access request not saved, and its draft agreement not withdrawn');
      }
      throw error;
    }
  }

  async function requireRequest(request: FastifyRequest<{ Params: RequestParams }>): Promise<{ row: AccessRequestRow; side: 'provider' | 'consumer' } | undefined> {
    const row = await store.find(request.params.requestId);
    const { organisationId } = request.params;
    if (row?.provider_organisation_id === organisationId) return { row, side: 'provider' };
    if (row?.consumer_organisation_id === organisationId) return { row, side: 'consumer' };
    return undefined;
  }

  async function renderRequest(request: FastifyRequest<{ Params: RequestParams }>, reply: FastifyReply, found: { row: AccessRequestRow; side: 'provider' | 'consumer' }, input: { errors: Record<string, string>; values?: Record<string, unknown>; status?: number } = { errors: {} }) {
    const { t } = request;
    const { row, side } = found;
    const agreement = await agreementRequests.find(row.agreement_id, request.params.organisationId, side);
    const agreementStatus = (await agreementRequests.listStatuses([row.agreement_id], request.params.organisationId, side)).get(row.agreement_id) ?? agreement.status;
    const shown = showRequestStatus(row, agreementStatus);
    const entry = (await catalogue.current()).byIdentifier.get(row.record_identifier);
    const values = input.values ?? { fields: agreement.fields, until: agreement.lastDay };
    const errorList = Object.entries(input.errors).map(([name, text]) => ({ text, href: { until: '#until-day', decision: '#main-content' }[name] ?? `#${name}` }));
    return reply.code(input.status ?? (errorList.length > 0 ? 400 : 200)).render(`${VIEWS}/request.njk`, {
      ...marketplaceChrome(request),
      pageTitle: t(side === 'provider' ? 'marketplace.access.reviewTitle' : 'marketplace.access.statusTitle', { title: entry?.record.title ?? row.record_identifier }),
      backLink: requestsPath(request.params.organisationId),
      errors: errorList,
      fieldError: (name: string) => (input.errors[name] ? { text: input.errors[name] } : undefined),
      reviewing: side === 'provider' && shown === 'asked',
      action: `${requestsPath(request.params.organisationId)}/${row.id}`,
      status: t(`marketplace.access.statuses.${shown}`),
      reason: row.refusal_reason,
      rows: [
        [t('marketplace.access.record'), entry?.record.title ?? row.record_identifier],
        [t('marketplace.access.service'), row.service_identifier],
        [t('marketplace.access.subsystem'), row.subsystem],
        [t('marketplace.access.purpose'), agreement.purpose],
        [t('marketplace.access.lawfulBasis'), t(`marketplace.access.lawfulBases.${agreement.lawfulBasis}`)],
        [t('marketplace.access.fields'), agreement.fields.join('\n')],
        [t('marketplace.access.until'), agreement.lastDay],
        [t('marketplace.access.agreementStatus'), t(`marketplace.access.agreementStatuses.${agreementStatus}`)],
      ].map(([key, value]) => ({ key: { text: key }, value: { text: value } })),
      fieldChoices: agreement.fields.map((value) => ({ value, text: value, checked: (values.fields as string[]).includes(value) })),
      until: dateParts(values.until as string | undefined),
      values,
    });
  }

  await app.register(async (pages) => {
    pages.addHook('onRequest', async (_request, reply) => {
      reply.header('cache-control', 'private, no-store');
    });
    pages.addHook('preHandler', requireTeamMember({ kind: 'organisation', idParam: 'organisationId' }));
    const base = '/console/marketplace/:organisationId/requests';

    pages.get<{ Params: Params }>(base, { schema: { params: paramsSchema } }, async (request, reply) => {
      const { t } = request;
      const { organisationId } = request.params;
      const snapshot = await catalogue.current();
      const describeAll = async (rows: AccessRequestRow[], side: 'consumer' | 'provider') => {
        // Each agreement's status now, read from Exchange: it may have ended, been suspended or expired since.
        const statuses = await agreementRequests.listStatuses(rows.map((row) => row.agreement_id), organisationId, side);
        return rows.map((row) => ({
          href: `${requestsPath(organisationId)}/${row.id}`,
          title: snapshot.byIdentifier.get(row.record_identifier)?.record.title ?? row.record_identifier,
          subsystem: row.subsystem,
          status: t(`marketplace.access.statuses.${showRequestStatus(row, statuses.get(row.agreement_id))}`),
          askedAt: row.created_at.slice(0, 10),
        }));
      };
      const [asked, received] = await Promise.all([store.listOf(organisationId, 'consumer'), store.listOf(organisationId, 'provider')]);
      return reply.render(`${VIEWS}/requests.njk`, { ...marketplaceChrome(request), pageTitle: t('marketplace.access.listTitle'), asked: await describeAll(asked, 'consumer'), received: await describeAll(received, 'provider') });
    });

    pages.get<{ Params: Params; Querystring: { record?: string } }>(`${base}/new`, { schema: { params: paramsSchema, querystring: recordQuerySchema } }, async (request, reply) => {
      const askable = await requireAskable(request.params.organisationId, request.query.record);
      if (!askable) return reply.callNotFound();
      return renderAsk(request, reply, askable, { values: { fields: askable.service.fields }, errors: {} });
    });

    pages.post<{ Params: Params; Querystring: { record?: string } }>(`${base}/new`, { schema: { params: paramsSchema, querystring: recordQuerySchema } }, async (request, reply) => {
      const { t } = request;
      const { organisationId } = request.params;
      const askable = await requireAskable(organisationId, request.query.record);
      if (!askable) return reply.callNotFound();
      const body = (request.body ?? {}) as Body;
      const subsystems = await agreementRequests.listSubsystemsOf(organisationId);
      const values = {
        purpose: textOf(body, 'purpose'),
        lawfulBasis: textOf(body, 'lawfulBasis'),
        fields: listOf(body, 'fields').filter((field) => askable.service.fields.includes(field)),
        until: readFutureDay(body, 'until', new Date()),
        subsystem: textOf(body, 'subsystem'),
      };
      const errors: Record<string, string> = {};
      if (!isOneLine(values.purpose)) errors.purpose = t('marketplace.access.errors.purpose');
      if (!(LAWFUL_BASES as readonly string[]).includes(values.lawfulBasis)) errors.lawfulBasis = t('marketplace.access.errors.lawfulBasis');
      if (values.fields.length === 0 || values.fields.length !== listOf(body, 'fields').length) errors.fields = t('marketplace.access.errors.fields');
      const latest = findLatestAskedLastDay(new Date());
      if (!values.until) errors.until = t('marketplace.access.errors.until');
      else if (values.until > latest) errors.until = t('marketplace.access.errors.untilTooLate', { years: MAX_ASKED_AGREEMENT_YEARS, date: latest.split('-').reverse().map(Number).join(' ') });
      if (!subsystems.includes(values.subsystem)) errors.subsystem = t('marketplace.access.errors.subsystem');
      if (Object.keys(errors).length > 0) return renderAsk(request, reply, askable, { values: { ...values, until: undefined }, errors });
      const member = teamMemberOf(request);
      const agreementId = await agreementRequests.ask({ serviceId: askable.service.id, consumerOrganisationId: organisationId, subsystem: values.subsystem, purpose: values.purpose, lawfulBasis: values.lawfulBasis, fields: values.fields, until: values.until!, actor: member.actor });
      const id = crypto.randomUUID();
      const signedIn = await findSignedInConsoleMember(app.db, request);
      // Exchange drafts the agreement in its own transaction: when the request's row is then not
      // saved, the draft is withdrawn, so no agreement is left that no request shows.
      await saveOrWithdraw(request, { agreementId, consumerOrganisationId: organisationId, actor: member.actor }, () => store.insert({
        id,
        agreement_id: agreementId,
        record_identifier: askable.entry.record.identifier,
        service_identifier: askable.service.identifier,
        consumer_organisation_id: organisationId,
        provider_organisation_id: askable.service.organisationId,
        subsystem: values.subsystem,
        requester_email: signedIn!.email,
        status: 'asked',
        refusal_reason: null,
        created_at: new Date().toISOString(),
        decided_at: null,
      }));
      await app.audit.record({ actor: member.actor, action: 'marketplace.access.asked', subject: `marketplace-access-request:${id}`, outcome: 'success', details: { ...member.auditDetails, agreement: agreementId } });
      await sendRequestReceivedEmail(app, {
        to: await listConsoleTeamEmails(app.db, askable.service.organisationId, ['owner', 'developer']),
        title: askable.entry.record.title as string,
        link: absolute(`${requestsPath(askable.service.organisationId)}/${id}`),
      });
      return reply.redirect(`${requestsPath(organisationId)}/${id}`, 303);
    });

    pages.get<{ Params: RequestParams }>(`${base}/:requestId`, { schema: { params: requestParamsSchema } }, async (request, reply) => {
      const found = await requireRequest(request);
      return found ? renderRequest(request, reply, found) : reply.callNotFound();
    });

    /** The provider's decisions: each on a request still asked, else 409 (a replay or a race). */
    async function requireOpenReview(request: FastifyRequest<{ Params: RequestParams }>, reply: FastifyReply) {
      const found = await requireRequest(request);
      if (!found || found.side !== 'provider') {
        reply.callNotFound();
        return undefined;
      }
      const agreementStatus = (await agreementRequests.listStatuses([found.row.agreement_id], request.params.organisationId, 'provider')).get(found.row.agreement_id);
      if (showRequestStatus(found.row, agreementStatus) !== 'asked') {
        await renderRequest(request, reply, found, { errors: { decision: request.t('marketplace.access.errors.decided') }, status: 409 });
        return undefined;
      }
      return found;
    }

    /**
     * The request's row is decided first (of two decisions racing, one wins), then its agreement in
     * Exchange; when Exchange refuses or fails, the row is put back to asked, so neither is decided
     * without the other.
     */
    async function decide(request: FastifyRequest<{ Params: RequestParams }>, reply: FastifyReply, found: { row: AccessRequestRow; side: 'provider' | 'consumer' }, decision: { approved: boolean; reason?: string }, inExchange: () => Promise<unknown>) {
      const member = teamMemberOf(request);
      const status = decision.approved ? 'approved' : 'refused';
      const decidedAlready = () => renderRequest(request, reply, found, { errors: { decision: request.t('marketplace.access.errors.decided') }, status: 409 });
      if (!(await store.decide(found.row.id, { status, refusal_reason: decision.reason ?? null, decided_at: new Date().toISOString() }))) return decidedAlready();
      try {
        await inExchange();
      } catch (error) {
        await store.reopen(found.row.id, status);
        if (error instanceof ExchangeError && error.code === 'exchange.AGREEMENT_STATE') return decidedAlready();
        throw error;
      }
      await app.audit.record({ actor: member.actor, action: decision.approved ? 'marketplace.access.approved' : 'marketplace.access.refused', subject: `marketplace-access-request:${found.row.id}`, outcome: 'success', details: { ...member.auditDetails, agreement: found.row.agreement_id } });
      const title = (await catalogue.current()).byIdentifier.get(found.row.record_identifier)?.record.title ?? found.row.record_identifier;
      await sendRequestDecidedEmail(app, { to: found.row.requester_email, title: String(title), approved: decision.approved, reason: decision.reason, link: absolute(`${requestsPath(found.row.consumer_organisation_id)}/${found.row.id}`) });
      return reply.redirect(`${requestsPath(request.params.organisationId)}/${found.row.id}`, 303);
    }

    pages.post<{ Params: RequestParams }>(`${base}/:requestId/amend`, { schema: { params: requestParamsSchema } }, async (request, reply) => {
      const found = await requireOpenReview(request, reply);
      if (!found) return reply;
      const body = (request.body ?? {}) as Body;
      const values = { fields: listOf(body, 'fields'), until: readFutureDay(body, 'until', new Date()) };
      const errors: Record<string, string> = {};
      if (values.fields.length === 0) errors.fields = request.t('marketplace.access.errors.fields');
      if (!values.until) errors.until = request.t('marketplace.access.errors.until');
      if (Object.keys(errors).length === 0) {
        try {
          await agreementRequests.amend({ agreementId: found.row.agreement_id, providerOrganisationId: request.params.organisationId, fields: values.fields, until: values.until!, actor: teamMemberOf(request).actor });
          return reply.redirect(`${requestsPath(request.params.organisationId)}/${found.row.id}`, 303);
        } catch (error) {
          if (!(error instanceof ExchangeError) || error.code !== 'exchange.INVALID_AGREEMENT') throw error;
          errors[error.message.startsWith('The end date') ? 'until' : 'fields'] = request.t(error.message.startsWith('The end date') ? 'marketplace.access.errors.narrowUntil' : 'marketplace.access.errors.fields');
        }
      }
      return renderRequest(request, reply, found, { errors, values: { ...values, until: undefined } });
    });

    pages.post<{ Params: RequestParams }>(`${base}/:requestId/approve`, { schema: { params: requestParamsSchema } }, async (request, reply) => {
      const found = await requireOpenReview(request, reply);
      if (!found) return reply;
      return decide(request, reply, found, { approved: true }, () =>
        agreementRequests.approve({ agreementId: found.row.agreement_id, providerOrganisationId: request.params.organisationId, subsystem: found.row.subsystem, actor: teamMemberOf(request).actor }),
      );
    });

    pages.post<{ Params: RequestParams }>(`${base}/:requestId/refuse`, { schema: { params: requestParamsSchema } }, async (request, reply) => {
      const found = await requireOpenReview(request, reply);
      if (!found) return reply;
      const reason = textOf((request.body ?? {}) as Body, 'reason');
      if (!isOneLine(reason)) return renderRequest(request, reply, found, { errors: { reason: request.t('marketplace.access.errors.reason') } });
      return decide(request, reply, found, { approved: false, reason }, () =>
        agreementRequests.refuse({ agreementId: found.row.agreement_id, providerOrganisationId: request.params.organisationId, actor: teamMemberOf(request).actor }),
      );
    });
  });
}

/**
 * The "Ask for access" links of a record page under /console/data: one for each of the person's
 * organisations that may ask. Where the person is a viewer (who reads but cannot ask: the form's
 * page explains why, and a POST answers 403), the link has `viewer: true` so the page says why there is no button.
 */
export async function listAskLinks(dependencies: { catalogue: Catalogue; agreementRequests: AgreementRequests; db: FastifyInstance['db'] }, request: FastifyRequest, identifier: string) {
  const signedIn = await findSignedInConsoleMember(dependencies.db, request);
  const askable = signedIn ? await findAskableService(await dependencies.catalogue.current(), dependencies.agreementRequests, identifier) : undefined;
  if (!signedIn || !askable) return [];
  const links = [];
  for (const organisationId of signedIn.organisationIds) {
    if (organisationId === askable.service.organisationId || (await dependencies.agreementRequests.listSubsystemsOf(organisationId)).length === 0) continue;
    const access = await request.server.teamAccess.check(request, { kind: 'organisation', id: organisationId });
    if (access.state !== 'member') continue;
    links.push({ organisationId, href: `/console/marketplace/${organisationId}/requests/new?${new URLSearchParams({ record: identifier })}`, viewer: !mayChange(access.member) });
  }
  return links;
}
