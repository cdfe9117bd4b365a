import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConsoleError } from '../../console.errors.ts';
import { actorOf } from '../../organisations/organisations.ts';
import type { OperatorRow } from '../../organisations/organisation.store.ts';
import { doneBanner, doneQuery, OPERATOR_BASE, OPERATOR_VIEWS, type Done, type OperatorPageDependencies } from './operator.routes.ts';

const operatorParams = { type: 'object', required: ['operatorId'], properties: { operatorId: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const emailBody = { type: 'object', properties: { email: { type: 'string', maxLength: 100_000 }, _csrf: { type: 'string' } } } as const;
const EMAIL_LIMIT = 254;
const FIELD_OF: Partial<Record<string, 'email' | 'main-content'>> = {
  'console.INVALID_EMAIL': 'email',
  'console.OPERATOR_EXISTS': 'email',
  'console.OPERATOR_SELF': 'main-content',
  'console.LAST_OPERATOR': 'main-content',
};
const recent = { consoleRecentSignIn: true };

/** Who operates the platform: the list, granting the role by email, and removing it (never one's own, never the last). */
export function registerOperatorPeoplePages(pages: FastifyInstance, dependencies: OperatorPageDependencies): void {
  const { operators, chrome, sessionOf } = dependencies;
  const listPath = `${OPERATOR_BASE}/operators`;

  /** The refusal as an error on the page (the field's, or the summary's alone), or undefined for any other error. */
  function refusalOf(request: FastifyRequest, error: unknown): { field: 'email' | 'main-content'; text: string } | undefined {
    if (!(error instanceof ConsoleError)) return undefined;
    const field = FIELD_OF[error.code];
    return field && { field, text: request.t(`console.operator.errors.${error.code.slice('console.'.length)}`, { limit: EMAIL_LIMIT }) };
  }

  pages.get<{ Querystring: Done }>(listPath, { schema: { querystring: doneQuery } }, async (request, reply) => {
    const self = sessionOf(request).personKey;
    const rows = await operators.list();
    return reply.render(`${OPERATOR_VIEWS}/operators.njk`, chrome(request, request.t('console.operator.operators.title'), {
      backLink: OPERATOR_BASE,
      done: doneBanner(request, request.query.done, ['added', 'removed']),
      operators: rows.map((row) => ({
        id: row.id,
        email: row.email,
        status: request.t(row.person_key === null ? 'console.operator.operators.notSignedIn' : 'console.operator.operators.active'),
        since: row.created_at.slice(0, 10),
        isSelf: row.person_key === self,
      })),
    }));
  });

  const addForm = (request: FastifyRequest, values: { email?: string } = {}, error?: { field: string; text: string }) =>
    chrome(request, request.t('console.operator.add.title'), {
      backLink: listPath,
      kind: 'add',
      action: `${listPath}/add`,
      values,
      fieldErrors: error ? { [error.field]: error.text } : {},
      errors: error ? [{ text: error.text, href: `#${error.field}` }] : [],
    });
  pages.get(`${listPath}/add`, { config: recent }, async (request, reply) => reply.render(`${OPERATOR_VIEWS}/operator-form.njk`, addForm(request)));
  pages.post<{ Body: { email?: string } }>(`${listPath}/add`, { config: recent, schema: { body: emailBody } }, async (request, reply) => {
    const email = request.body.email ?? '';
    try {
      if (email.trim().length > EMAIL_LIMIT) throw new ConsoleError('console.INVALID_EMAIL', 'The email address is too long');
      await operators.grant({ email, actor: actorOf(sessionOf(request)) });
      return reply.redirect(`${listPath}?done=added`, 303);
    } catch (error) {
      const refusal = refusalOf(request, error);
      if (!refusal) throw error;
      return reply.code(400).render(`${OPERATOR_VIEWS}/operator-form.njk`, addForm(request, { email: email.slice(0, 1000) }, refusal));
    }
  });

  async function findOperator(request: FastifyRequest<{ Params: { operatorId: string } }>, reply: FastifyReply): Promise<OperatorRow | undefined> {
    const operator = await operators.find(request.params.operatorId);
    if (!operator) await reply.callNotFound();
    return operator;
  }
  const removeForm = (request: FastifyRequest, operator: OperatorRow, error?: { field: string; text: string }) =>
    chrome(request, request.t('console.operator.remove.title', { email: operator.email }), {
      backLink: listPath,
      kind: 'remove',
      action: `${listPath}/${operator.id}/remove`,
      body: request.t('console.operator.remove.body'),
      values: {},
      fieldErrors: {},
      errors: error ? [{ text: error.text, href: '#main-content' }] : [],
    });
  pages.get<{ Params: { operatorId: string } }>(`${listPath}/:operatorId/remove`, { config: recent, schema: { params: operatorParams } }, async (request, reply) => {
    const operator = await findOperator(request, reply);
    if (!operator) return reply;
    return reply.render(`${OPERATOR_VIEWS}/operator-form.njk`, removeForm(request, operator));
  });
  pages.post<{ Params: { operatorId: string } }>(`${listPath}/:operatorId/remove`, { config: recent, schema: { params: operatorParams } }, async (request, reply) => {
    const operator = await findOperator(request, reply);
    if (!operator) return reply;
    const session = sessionOf(request);
    try {
      await operators.remove({ operatorId: operator.id, actor: actorOf(session), by: session });
      return reply.redirect(`${listPath}?done=removed`, 303);
    } catch (error) {
      const refusal = refusalOf(request, error);
      if (!refusal) throw error;
      return reply.code(400).render(`${OPERATOR_VIEWS}/operator-form.njk`, removeForm(request, operator, refusal));
    }
  });
}
