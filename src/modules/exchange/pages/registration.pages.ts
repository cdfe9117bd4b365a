import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readMultipartForm } from '../../../platform/http/multipart-form.ts';
import { teamMemberOf } from '../../../platform/http/team-access.ts';
import { ExchangeError, type ExchangeErrorCode } from '../exchange.errors.ts';
import { formatSubsystem, isCode } from '../registry/identifiers.ts';
import type { Registry } from '../registry/registry.ts';
import type { MemberRow } from '../registry/registry.store.ts';
import { createExchangeTeamStore } from './exchange-team.store.ts';

const VIEW = 'modules/exchange/pages/registration-form.njk';
/** An OpenAPI description may be up to 1 MB, pasted or uploaded; the rest of a form is small. */
const UPLOAD_LIMIT = 2.5 * 1024 * 1024;

type Params = { organisationId: string };
type Fields = Record<string, string | string[] | undefined>;
type Problem = { field: string; key: string };

const textOf = (body: unknown, name: string): string => {
  const value = (body as Fields | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

/** Which field a registry refusal is about, and what the page says of it. */
const REFUSALS: Partial<Record<ExchangeErrorCode, Problem>> = {
  'exchange.INVALID_IDENTIFIER': { field: 'serviceCode', key: 'serviceCodeReserved' },
  'exchange.SUBSYSTEM_EXISTS': { field: 'subsystemCode', key: 'subsystemTaken' },
  'exchange.INVALID_PUBLIC_KEY': { field: 'publicKey', key: 'keyInvalid' },
  'exchange.KEY_EXISTS': { field: 'publicKey', key: 'keyTaken' },
  'exchange.SERVICE_EXISTS': { field: 'serviceCode', key: 'serviceTaken' },
  'exchange.INVALID_URL': { field: 'baseUrl', key: 'urlInvalid' },
  'exchange.BASE_URL_TAKEN': { field: 'baseUrl', key: 'urlTaken' },
  'exchange.REGISTRY_BUSY': { field: 'baseUrl', key: 'registryBusy' },
  'exchange.INVALID_OPENAPI': { field: 'openApi', key: 'openApiInvalid' },
};

/** One of a text field and a file field: exactly one given. */
export function pastedOrUploaded(body: unknown, field: string, problems: Problem[], keys: { missing: string; twice: string }): string {
  const pasted = textOf(body, field);
  const uploaded = textOf(body, `${field}File`);
  if (pasted === '' && uploaded === '') problems.push({ field, key: keys.missing });
  else if (pasted !== '' && uploaded !== '') problems.push({ field, key: keys.twice });
  return pasted || uploaded;
}

/**
 * A member's own registrations, on its Exchange pages: subsystems with their public keys and
 * services with their OpenAPI descriptions, each pasted or uploaded as a file. The registry
 * checks them as it checks the CLI's; each refusal is shown on its field.
 */
export function registerRegistrationPages(pages: FastifyInstance, dependencies: { registry: Registry; chrome(request: FastifyRequest<{ Params: Params }>): Record<string, unknown> & { base: string } }): void {
  const { registry, chrome } = dependencies;
  const store = createExchangeTeamStore(pages.db);

  pages.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT }, (request, body, done) => {
    readMultipartForm(String(request.headers['content-type']), body as Buffer).then(
      (fields) => done(null, fields),
      (error: Error) => done(error, undefined),
    );
  });

  async function approvedMemberOf(request: FastifyRequest<{ Params: Params }>): Promise<MemberRow | undefined> {
    const member = await store.findMemberOfOrganisation(request.params.organisationId, registry.instance);
    return member?.status === 'approved' ? member : undefined;
  }

  async function renderForm(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, form: { kind: 'subsystem' | 'service'; member: MemberRow; values: Fields; problems: Problem[] }) {
    const { t } = request;
    const page = chrome(request);
    const say = (problem: Problem) => t(`exchange.pages.errors.${problem.key}`);
    const fieldErrors = Object.fromEntries(form.problems.map((problem) => [problem.field, { text: say(problem) }]));
    const subsystems = form.kind === 'service' ? await store.listSubsystems(form.member.id) : [];
    return reply.code(form.problems.length > 0 ? 400 : 200).render(VIEW, {
      ...page,
      pageTitle: t(`exchange.pages.${form.kind}Form.title`),
      backLink: page.base,
      kind: form.kind,
      action: `${page.base}/${form.kind === 'subsystem' ? 'subsystems' : 'services'}/new`,
      values: form.values,
      subsystems: subsystems.map((row) => ({ value: row.subsystem_code, text: row.subsystem_code, selected: form.values.subsystemCode === row.subsystem_code })),
      errors: form.problems.map((problem) => ({ text: say(problem), href: `#${problem.field}` })),
      fieldErrors,
    });
  }

  async function register(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, form: { kind: 'subsystem' | 'service'; member: MemberRow; values: Fields; problems: Problem[] }, add: () => Promise<unknown>, done: string) {
    if (form.problems.length === 0) {
      try {
        await add();
        return reply.redirect(`${chrome(request).base}?done=${done}`, 303);
      } catch (error) {
        const refusal = error instanceof ExchangeError ? REFUSALS[error.code] : undefined;
        if (!refusal) throw error;
        form.problems.push(refusal);
      }
    }
    return renderForm(request, reply, form);
  }

  const params = { type: 'object', properties: { organisationId: { type: 'string', maxLength: 64 } }, required: ['organisationId'] };
  for (const kind of ['subsystem', 'service'] as const) {
    pages.get<{ Params: Params }>(`/console/exchange/:organisationId/${kind}s/new`, { schema: { params } }, async (request, reply) => {
      const member = await approvedMemberOf(request);
      if (!member) return reply.callNotFound();
      return renderForm(request, reply, { kind, member, values: { personalData: 'yes' }, problems: [] });
    });
  }

  pages.post<{ Params: Params }>('/console/exchange/:organisationId/subsystems/new', { schema: { params } }, async (request, reply) => {
    const member = await approvedMemberOf(request);
    if (!member) return reply.callNotFound();
    const problems: Problem[] = [];
    const subsystemCode = textOf(request.body, 'subsystemCode');
    if (!isCode(subsystemCode)) problems.push({ field: 'subsystemCode', key: subsystemCode === '' ? 'subsystemCodeMissing' : 'codeInvalid' });
    const publicKeys = pastedOrUploaded(request.body, 'publicKey', problems, { missing: 'keyMissing', twice: 'keyTwice' });
    const form = { kind: 'subsystem' as const, member, values: { subsystemCode, publicKey: textOf(request.body, 'publicKey') }, problems };
    return register(request, reply, form, () => registry.addSubsystem({ memberId: member.id, subsystemCode, publicKeys, actor: { audit: teamMemberOf(request).actor, isOperator: false } }), 'subsystemAdded');
  });

  pages.post<{ Params: Params }>('/console/exchange/:organisationId/services/new', { schema: { params } }, async (request, reply) => {
    const member = await approvedMemberOf(request);
    if (!member) return reply.callNotFound();
    const problems: Problem[] = [];
    const values = {
      subsystemCode: textOf(request.body, 'subsystemCode'),
      serviceCode: textOf(request.body, 'serviceCode'),
      baseUrl: textOf(request.body, 'baseUrl'),
      openApi: textOf(request.body, 'openApi'),
      personalData: textOf(request.body, 'personalData'),
      underConsent: textOf(request.body, 'underConsent'),
    };
    const ours = (await store.listSubsystems(member.id)).some((row) => row.subsystem_code === values.subsystemCode);
    if (!ours) problems.push({ field: 'subsystemCode', key: 'subsystemMissing' });
    if (!isCode(values.serviceCode)) problems.push({ field: 'serviceCode', key: values.serviceCode === '' ? 'serviceCodeMissing' : 'codeInvalid' });
    if (values.baseUrl === '') problems.push({ field: 'baseUrl', key: 'urlMissing' });
    const openApi = pastedOrUploaded(request.body, 'openApi', problems, { missing: 'openApiMissing', twice: 'openApiTwice' });
    const subsystem = formatSubsystem({ instance: member.instance, memberClass: member.member_class, memberCode: member.member_code, subsystemCode: values.subsystemCode });
    return register(
      request,
      reply,
      { kind: 'service', member, values, problems },
      () => registry.addService({ subsystem, serviceCode: values.serviceCode, baseUrl: values.baseUrl, openApi, personalData: values.personalData === 'yes', underConsent: values.underConsent === 'yes', actor: { audit: teamMemberOf(request).actor, isOperator: false } }),
      'serviceAdded',
    );
  });
}
