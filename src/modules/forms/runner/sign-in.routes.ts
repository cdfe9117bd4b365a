import type { FastifyInstance } from 'fastify';
import type { InternalSignIn } from '../../identity/identity.contract.ts';
import { DEFAULT_RETENTION_DAYS } from '../definition/form-definition.ts';
import { languageOf, languageSwitchOf, meetsSignInLevel, setSessionCookie, slugParams, VIEWS, type RunnerDependencies } from './runner-context.ts';
import { textIn } from './question-view.ts';

export const SIGN_IN_CALLBACK_PATH = '/forms/sign-in/callback';
/** Which form a sign-in is for, signed, for the callback (which is the same for every form). */
const FORM_COOKIE = 'forms_sign_in_form';
const DAY_SECONDS = 24 * 60 * 60;

/**
 * Signing in to a form that asks for it, through One Login as Forms' own internal relying party
 * (as the console and the account pages sign in). The callback gives the person their saved
 * answers to that form, or a new session, bound to their account.
 */
export function registerSignInPages(app: FastifyInstance, dependencies: RunnerDependencies & { signIn: InternalSignIn }): void {
  const { versions, sessions, signIn } = dependencies;
  const cookieOptions = { path: SIGN_IN_CALLBACK_PATH, httpOnly: true, sameSite: 'lax', secure: app.config.BASE_URL.startsWith('https://') } as const;

  app.get<{ Params: { slug: string } }>('/forms/:slug/sign-in', { schema: { params: slugParams } }, async (request, reply) => {
    const live = await versions.findLive(request.params.slug);
    const level = live?.definition.settings.signIn;
    if (!live || !level) return reply.redirect(`/forms/${request.params.slug}`, 303);
    reply.setCookie(FORM_COOKIE, live.definition.slug, { ...cookieOptions, signed: true, maxAge: 3600 });
    return reply.redirect(await signIn.start(reply, { locale: languageOf(request, live.definition), level }), 303);
  });

  app.get(SIGN_IN_CALLBACK_PATH, async (request, reply) => {
    const cookie = request.cookies[FORM_COOKIE];
    const signed = cookie ? request.unsignCookie(cookie) : undefined;
    reply.clearCookie(FORM_COOKIE, cookieOptions);
    const live = signed?.valid && signed.value ? await versions.findLive(signed.value) : undefined;
    const failed = () => {
      const language = live ? languageOf(request, live.definition) : request.locale;
      return reply.code(400).render(`${VIEWS}/exit.njk`, {
        pageTitle: request.t('forms.signIn.failedTitle'),
        bodyHtml: `<p class="govuk-body">${request.t('forms.signIn.failed')}</p>`,
        ...(live ? { serviceName: textIn(live.definition.name, language), serviceUrl: `/forms/${live.definition.slug}`, ...languageSwitchOf(live.definition) } : {}),
      });
    };
    let person: Awaited<ReturnType<InternalSignIn['finish']>>;
    try {
      person = await signIn.finish(request, reply);
    } catch (error) {
      request.log.warn({ err: error }, 'forms sign-in failed');
      return failed();
    }
    const required = live?.definition.settings.signIn;
    if (!live || !required || !person || !meetsSignInLevel(person.level, required)) return failed();
    const { slug } = live.definition;
    const lifetimeSeconds = (live.definition.settings.retentionDays ?? DEFAULT_RETENTION_DAYS) * DAY_SECONDS;
    const account = { subject: person.accountSubject, level: person.level, email: person.email, ...(person.phoneNumber ? { phone: person.phoneNumber } : {}) };
    const { token, resumed } = await sessions.resume({ formId: live.formId, versionId: live.versionId, account, lifetimeSeconds });
    setSessionCookie(reply, slug, token, lifetimeSeconds);
    await app.audit.record({ actor: `one-login:${person.accountSubject}`, action: 'forms.session.signed-in', subject: `form:${live.formId}`, outcome: 'success', details: { resumed } });
    return reply.redirect(`/forms/${slug}`, 303);
  });
}
