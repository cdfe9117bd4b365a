import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConsentRequestError, type PersonalDataSharing } from '../../exchange/exchange.contract.ts';
import { formBody, type createPageGuards, type Form } from './signed-in-page.ts';
import { setFlash, takeFlash } from './account-flash.ts';

const VIEWS = 'modules/identity/account/views';
const MESSAGE = 'modules/identity/sign-in/views/message.njk';
const CONSENT_PATH = '/account/consent';
const DATA_SHARING_PATH = '/account/data-sharing';
const MAX_PAGE = 10_000;

const consentQuery = {
  type: 'object',
  properties: { client: { type: 'string', maxLength: 300 }, agreement: { type: 'string', maxLength: 100 }, record: { type: 'string', maxLength: 200 }, state: { type: 'string', maxLength: 300 }, return_url: { type: 'string', maxLength: 600 } },
} as const;
type ConsentQuery = { Querystring: { client?: string; agreement?: string; record?: string; state?: string; return_url?: string } };
const idParams = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] } as const;
type IdParams = { Params: { id: string } };

/**
 * The consent page a consumer sends a person to, and "Who has seen my data": the exchanges of the
 * person's data from Exchange's message log and their consents, each withdrawable. Exchange knows
 * the person by the `sub` each consumer's One Login client has for them, worked out here.
 */
/** The shared fields as the person reads them: plain names in the page's language, never JSON paths. */
function namesIn(request: FastifyRequest, names: ReadonlyArray<{ en: string; cy: string }>): string[] {
  return names.map((name) => (request.locale === 'cy' ? name.cy : name.en));
}

export function registerDataSharingPages(
  app: FastifyInstance,
  dependencies: { guards: ReturnType<typeof createPageGuards>; sharing: PersonalDataSharing; subjectsFor: (accountId: string, clientIds: readonly string[]) => Promise<Array<{ clientId: string; subject: string }>> },
): void {
  const { guards, sharing, subjectsFor } = dependencies;
  const subjectOf = (accountId: string) => async (clientId: string) => {
    const [found] = await subjectsFor(accountId, [clientId]);
    if (!found) throw new ConsentRequestError('not-found', 'The consumer no longer has its One Login client');
    return found.subject;
  };
  const subjectsOfPerson = async (accountId: string) => subjectsFor(accountId, await sharing.listLinkedOneLoginClients());

  function explainRefusal(request: FastifyRequest, reply: FastifyReply, error: unknown) {
    if (!(error instanceof ConsentRequestError)) throw error;
    const { t } = request;
    return reply.code(error.code === 'other-person' ? 403 : error.code === 'answered' ? 409 : 400).render(MESSAGE, {
      pageTitle: t(`identity.consent.refused.${error.code}`),
      paragraphs: [t('identity.consent.refused.explain')],
      links: [{ href: DATA_SHARING_PATH, text: t('identity.dataSharing.title') }],
    });
  }

  // The consumer's link: checked and kept, then the person is sent to the request's own page,
  // which signing in comes back to. Nothing here redirects anywhere but that page.
  app.get<ConsentQuery>(CONSENT_PATH, { schema: { querystring: consentQuery } }, async (request, reply) => {
    const { client = '', agreement = '', record = '', state = '', return_url: returnUrl = '' } = request.query;
    try {
      const id = await sharing.consentRequests.start({ client, agreementId: agreement, record, state, returnUrl });
      return reply.redirect(`${CONSENT_PATH}/${id}`, 303);
    } catch (error) {
      return explainRefusal(request, reply, error);
    }
  });

  const consentPage = (request: FastifyRequest, view: Awaited<ReturnType<PersonalDataSharing['consentRequests']['open']>>, fieldError?: string) => ({
    pageTitle: request.t('identity.consent.title', { consumer: view.consumerName }),
    view,
    lawfulBasis: request.t(`identity.consent.lawfulBasis.${view.lawfulBasis}`),
    fields: namesIn(request, view.fieldNames),
    errors: fieldError ? [{ text: fieldError, href: '#answer' }] : [],
    fieldError,
  });

  app.get<IdParams & Form>(`${CONSENT_PATH}/:id`, { schema: { params: idParams } }, guards.signedInPage<IdParams & Form>(async ({ request, reply, accountId }) => {
    try {
      return reply.render(`${VIEWS}/consent.njk`, consentPage(request, await sharing.consentRequests.open(request.params.id, subjectOf(accountId))));
    } catch (error) {
      return explainRefusal(request, reply, error);
    }
  }, { signInFirst: true }));

  app.post<IdParams & Form>(`${CONSENT_PATH}/:id`, { schema: { params: idParams, body: formBody } }, guards.signedInPage<IdParams & Form>(async ({ request, reply, accountId }) => {
    const answer = request.body.answer;
    try {
      if (answer !== 'yes' && answer !== 'no') {
        const view = await sharing.consentRequests.open(request.params.id, subjectOf(accountId));
        return reply.render(`${VIEWS}/consent.njk`, consentPage(request, view, request.t('identity.consent.missing')));
      }
      const returnTo = await sharing.consentRequests.answer({ id: request.params.id, subjectOf: subjectOf(accountId), agree: answer === 'yes', actor: `account:${accountId}`, requestId: request.id });
      return reply.redirect(returnTo, 303);
    } catch (error) {
      return explainRefusal(request, reply, error);
    }
  }));

  app.get<{ Querystring: { page?: number } }>(
    DATA_SHARING_PATH,
    { schema: { querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1, maximum: MAX_PAGE } } } } },
    guards.signedInPage<object>(async ({ request, reply, accountId }) => {
      const { t } = request;
      const page = (request.query as { page?: number }).page ?? 1;
      const subjects = await subjectsOfPerson(accountId);
      const [{ exchanges, more }, consents] = await Promise.all([sharing.person.listExchanges(subjects, page), sharing.person.listConsents(subjects)]);
      const flash = takeFlash(request, reply, 'identity.dataSharing.');
      return reply.render(`${VIEWS}/data-sharing.njk`, {
        pageTitle: t('identity.dataSharing.title'),
        backLink: '/account',
        banner: flash ? t(flash.key) : undefined,
        exchanges,
        consents: consents.map((consent) => ({ ...consent, fields: namesIn(request, consent.fieldNames) })),
        page,
        previous: page > 1 ? `${DATA_SHARING_PATH}?page=${page - 1}` : undefined,
        next: more ? `${DATA_SHARING_PATH}?page=${page + 1}` : undefined,
      });
    }),
  );

  app.post<IdParams & Form>(`${DATA_SHARING_PATH}/consents/:id/withdraw`, { schema: { params: idParams, body: formBody } }, guards.signedInPage<IdParams & Form>(async ({ request, reply, accountId }) => {
    const withdrawn = await sharing.person.withdrawConsent({ consentId: request.params.id, subjects: await subjectsOfPerson(accountId), actor: `account:${accountId}`, requestId: request.id });
    setFlash(reply, { key: withdrawn ? 'identity.dataSharing.withdrawn' : 'identity.dataSharing.notWithdrawn' });
    return reply.redirect(DATA_SHARING_PATH, 303);
  }));
}
