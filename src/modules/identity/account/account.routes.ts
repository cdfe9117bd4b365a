import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountService } from '../accounts/account.service.ts';
import { checkNewPassword, isPasswordTooLong } from '../accounts/passwords.ts';
import { checkAuthenticatorCode, createAuthenticatorSecret } from '../accounts/authenticator-app.ts';
import { describeAuthenticatorAppPage } from '../accounts/authenticator-app-page.ts';
import type { ClientRegistry } from '../clients/clients.ts';
import { registerBackchannelLogout, type InternalSignIn } from '../clients/internal-clients.ts';
import type { AccountLifecycle } from './account-lifecycle.ts';
import { setFlash, takeFlash } from './account-flash.ts';
import type { KnownDevices } from '../devices/known-devices.ts';
import type { WebSessions } from './web-sessions.ts';
import { EMAIL_MAX_LENGTH, isPlausibleEmail, normaliseEmail } from '../accounts/account.service.ts';
import type { OneTimeCodes } from '../codes/one-time-codes.ts';
import type { IdentityMessages } from '../messages/identity-messages.ts';
import { createEmailCodeBudget } from '../security/email-code-budget.ts';
import { firstLock, THROTTLE_RULES, type Throttle } from '../security/throttle.ts';
import { createAccountPasswordChecks, type PasswordCheckOutcome } from './account-password-checks.ts';
import { createPasskeys } from '../passkeys/passkeys.ts';
import { createSecurityMethodChanges } from './security-method-changes.ts';
import { formatDateAdded, registerSecurityMethodPages } from './security-method-pages.ts';
import { CONFIRM_PASSWORD_PATH, SESSION_COOKIE, createPageGuards, formBody, isAccountPagePath, type Form } from './signed-in-page.ts';

const VIEWS = 'modules/identity/account/views';
const MESSAGE = 'modules/identity/sign-in/views/message.njk';
const QUESTION = 'modules/identity/sign-in/views/question.njk';
/** The account page to come back to after signing in again. */
const RETURN_TO_COOKIE = 'civitas_account_return_to';
/** The longest report of activity a person does not recognise, in characters (a character count shows it). */
const REPORT_MAX_LENGTH = 3000;
const nextQuery = { type: 'object', properties: { next: { type: 'string', maxLength: 200 } } } as const;
type NextQuery = { Querystring: { next?: string } };

/** Actions shown in a person's activity history; anything else is not theirs to see. */
const ACTIVITY_ACTIONS = [
  'identity.account.created',
  'identity.sign-in.completed',
  'identity.sign-in.password-wrong',
  'identity.sign-in.security-code-wrong',
  'identity.password.changed',
  'identity.security-method.replaced',
  'identity.security-method.added',
  'identity.security-method.removed',
  'identity.email.changed',
  'identity.phone-number.changed',
  'identity.sessions.ended',
  'identity.activity.reported',
] as const;

export type AccountPageDependencies = {
  accounts: AccountService;
  clients: ClientRegistry;
  webSessions: WebSessions;
  lifecycle: AccountLifecycle;
  signIn: InternalSignIn;
  codes: OneTimeCodes;
  messages: IdentityMessages;
  throttle: Throttle;
  knownDevices: KnownDevices;
  clock?: () => Date;
};

export const ACCOUNT_BACKCHANNEL_LOGOUT_PATH = '/account/backchannel-logout';

/** "Your One Login": the services you used, your activity, and changing or ending your account. */
export function registerAccountPages(app: FastifyInstance, dependencies: AccountPageDependencies): void {
  const { accounts, clients, webSessions, lifecycle, signIn, codes, messages, throttle, knownDevices } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const secure = app.config.BASE_URL.startsWith('https://');
  const guards = createPageGuards({ accounts, webSessions });
  const { signedInPage, recentSignInPage } = guards;
  const passwordChecks = createAccountPasswordChecks({ accounts, throttle, audit: app.audit });
  const emailCodeBudget = createEmailCodeBudget(throttle);
  const minutesUntil = (until: Date) => Math.max(1, Math.ceil((until.getTime() - clock().getTime()) / 60_000));
  /** The error to show for a password that was not accepted; undefined when it was. */
  const passwordProblem = (t: FastifyRequest['t'], checked: PasswordCheckOutcome, wrongText: string) =>
    checked.outcome === 'locked' ? t('identity.password.locked', { minutes: minutesUntil(checked.until) }) : checked.outcome === 'wrong' ? wrongText : undefined;

  // The provider may sign the person in from its own session, without asking for anything: such
  // a sign-in counts from when the person last proved who they are (see the callback).
  app.get('/account/sign-in', async (request, reply) => {
    reply.clearCookie(RETURN_TO_COOKIE, { path: '/account' });
    return reply.redirect(await signIn.start(reply, { locale: request.locale }), 303);
  });

  // For a page that needs a recent sign-in: the provider is asked for a sign-in made now
  // (max_age=0), so it asks for the password and a security code again.
  app.get<NextQuery>('/account/sign-in-again', { schema: { querystring: nextQuery } }, async (request, reply) => {
    const next = request.query.next;
    reply.setCookie(RETURN_TO_COOKIE, isAccountPagePath(next) ? next : '/account', { path: '/account', httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: 60 * 60 });
    return reply.redirect(await signIn.start(reply, { locale: request.locale, maxAgeSeconds: 0 }), 303);
  });

  app.get('/account/callback', async (request, reply) => {
    const person = await signIn.finish(request, reply);
    const account = person?.level === 'Cl.Cm' ? await accounts.findByEmail(person.email) : undefined;
    if (!person || !account) return reply.redirect('/account', 303);
    // A new sign-in ends this browser's earlier session, whoever it was for.
    const previous = request.cookies[SESSION_COOKIE];
    if (previous) await webSessions.end(previous);
    // The session is as recent as the sign-in the ID token vouches for, not as this request.
    const key = await webSessions.start({ accountId: account.id, level: person.level, authenticatedAt: person.authenticatedAt, subject: person.accountSubject, sid: person.sid });
    reply.setCookie(SESSION_COOKIE, key, { path: '/account', httpOnly: true, sameSite: 'lax', secure });
    reply.setCookie(`${SESSION_COOKIE}_id_token`, person.idToken, { path: '/account', httpOnly: true, sameSite: 'lax', secure, signed: true });
    const stored = request.cookies[RETURN_TO_COOKIE];
    const returnTo = stored ? request.unsignCookie(stored) : undefined;
    reply.clearCookie(RETURN_TO_COOKIE, { path: '/account' });
    return reply.redirect(returnTo?.valid && isAccountPagePath(returnTo.value ?? undefined) ? (returnTo.value as string) : '/account', 303);
  });

  app.get('/account', signedInPage(async ({ request, reply, accountId, email }) => {
    const { t } = request;
    const methods = await accounts.listMethods(accountId);
    const used = await accounts.listServicesUsed(accountId);
    const services = await Promise.all(
      used.map(async (use) => ({ name: (await clients.nameOf(use.client_id, request.locale)) ?? t('identity.account.removedService'), lastUsed: use.last_used_at })),
    );
    const phoneNumber = methods.find((method) => method.kind === 'sms' && method.phone_number)?.phone_number;
    const passkeysAdded = methods.filter((method) => method.kind === 'passkey').map((method) => formatDateAdded(method.created_at, request.locale));
    const flash = takeFlash(request, reply, 'identity.newDevice.');
    return reply.render(`${VIEWS}/overview.njk`, {
      pageTitle: t('identity.account.title'),
      banner: flash ? t(flash.key) : undefined,
      newDeviceNotice: await knownDevices.wantsNewDeviceNotice(accountId),
      email,
      methods: [...new Set(methods.map((method) => t(`identity.account.method.${method.kind}`)))],
      phone: phoneNumber ? t('identity.methods.phoneEnding', { digits: phoneNumber.slice(-4) }) : undefined,
      passkeys: passkeysAdded.map((date) => t('identity.methods.added', { date })),
      services,
    });
  }));

  app.get('/account/activity', signedInPage(async ({ request, reply, accountId }) => {
    const { t } = request;
    const events = await app.audit.listRecent({ subject: `account:${accountId}`, limit: 50 });
    const rows = await Promise.all(
      events
        .filter((event) => (ACTIVITY_ACTIONS as readonly string[]).includes(event.action))
        .map(async (event) => {
          const clientId = typeof event.details?.clientId === 'string' ? event.details.clientId : undefined;
          return {
            when: event.occurredAt,
            what: t(`identity.activity.${event.action.replaceAll('.', '-')}`),
            service: clientId ? ((await clients.nameOf(clientId, request.locale)) ?? '') : '',
          };
        }),
    );
    return reply.render(`${VIEWS}/activity.njk`, { pageTitle: t('identity.activity.title'), backLink: '/account', rows });
  }));

  const reportPage = (t: FastifyRequest['t'], fieldError?: string, value?: string) => ({
    pageTitle: t('identity.report.title'),
    backLink: '/account/activity',
    maxLength: REPORT_MAX_LENGTH,
    value,
    fieldError,
    errors: fieldError ? [{ text: fieldError, href: '#details' }] : [],
  });

  app.get('/account/report-activity', signedInPage(async ({ request, reply }) => reply.render(`${VIEWS}/report.njk`, reportPage(request.t))));

  app.post<Form>('/account/report-activity', { schema: { body: formBody } }, signedInPage<Form>(async ({ request, reply, accountId }) => {
    const { t } = request;
    const details = (request.body.details ?? '').trim();
    if (!details) return reply.render(`${VIEWS}/report.njk`, reportPage(t, t('identity.report.missing')));
    if ([...details].length > REPORT_MAX_LENGTH) {
      return reply.render(`${VIEWS}/report.njk`, reportPage(t, t('identity.report.tooLong', { max: REPORT_MAX_LENGTH.toLocaleString('en-GB') }), details));
    }
    await app.audit.record({
      actor: `account:${accountId}`,
      action: 'identity.activity.reported',
      subject: `account:${accountId}`,
      outcome: 'success',
      requestId: request.id,
      // What the person wrote stays out of the trail (it may hold personal data); its length is enough to triage.
      details: { characters: details.length },
    });
    return reply.redirect('/account/report-activity/sent', 303);
  }));

  app.get('/account/report-activity/sent', signedInPage(async ({ request, reply }) => {
    const { t } = request;
    return reply.render(MESSAGE, {
      pageTitle: t('identity.report.doneTitle'),
      paragraphs: [t('identity.report.done'), t('identity.report.secure')],
      links: [{ href: '/account/change-password', text: t('identity.account.changePassword') }, { href: '/account/sign-out-everywhere', text: t('identity.account.signOutEverywhere') }],
    });
  }));

  const changePasswordPage = (t: FastifyRequest['t'], errors: Array<{ text: string; href: string }> = []) => ({
    pageTitle: t('identity.changePassword.title'),
    backLink: '/account',
    errors,
    currentError: errors.find((error) => error.href === '#current-password')?.text,
    newError: errors.find((error) => error.href === '#new-password')?.text,
  });

  app.get('/account/change-password', signedInPage(async ({ request, reply }) => reply.render(`${VIEWS}/change-password.njk`, changePasswordPage(request.t))));

  app.post<Form>('/account/change-password', { schema: { body: formBody } }, signedInPage<Form>(async ({ request, reply, accountId, email }) => {
    const { t } = request;
    const current = request.body['current-password'] ?? '';
    const next = request.body['new-password'] ?? '';
    const errors: Array<{ text: string; href: string }> = [];
    const problem = checkNewPassword(next);
    if (!current) errors.push({ text: t('identity.changePassword.currentMissing'), href: '#current-password' });
    else if (isPasswordTooLong(current)) errors.push({ text: t('identity.password.problem.tooLong'), href: '#current-password' });
    else {
      const checked = await passwordChecks.check({ accountId, email, password: current, clientIp: request.ip, requestId: request.id, page: 'change-password' });
      const wrong = passwordProblem(t, checked, t('identity.changePassword.currentWrong'));
      if (wrong) errors.push({ text: wrong, href: '#current-password' });
    }
    if (problem) errors.push({ text: t(`identity.password.problem.${problem}`), href: '#new-password' });
    if (errors.length > 0) return reply.render(`${VIEWS}/change-password.njk`, changePasswordPage(t, errors));
    await app.db.transaction().execute(async (transaction) => {
      await accounts.changePassword(accountId, next, transaction);
      await app.audit.record({ actor: `account:${accountId}`, action: 'identity.password.changed', subject: `account:${accountId}`, outcome: 'success', requestId: request.id }, transaction);
    });
    await messages.sendSecurityNotice({ to: email, locale: request.locale, notice: 'passwordChanged' });
    return reply.redirect('/account/change-password/done', 303);
  }));

  // Where a changed password ends: reloading it shows it again and sends nothing.
  app.get('/account/change-password/done', signedInPage(async ({ request, reply }) => {
    const { t } = request;
    return reply.render(MESSAGE, { pageTitle: t('identity.changePassword.doneTitle'), paragraphs: [t('identity.changePassword.done')], links: [{ href: '/account', text: t('identity.account.back') }] });
  }));

  const confirmPage = (t: FastifyRequest['t'], key: 'logout' | 'signOutEverywhere' | 'delete', action: string, fieldError?: string) => ({
    pageTitle: t(`identity.${key}.title`),
    backLink: '/account',
    paragraphs: [t(`identity.${key}.explain`)],
    action,
    button: t(`identity.${key}.button`),
    warning: key === 'delete',
    fieldError,
    errors: fieldError ? [{ text: fieldError, href: '#password' }] : [],
  });

  app.get('/account/sign-out-everywhere', signedInPage(async ({ request, reply }) =>
    reply.render(`${VIEWS}/confirm.njk`, confirmPage(request.t, 'signOutEverywhere', '/account/sign-out-everywhere')),
  ));

  app.post('/account/sign-out-everywhere', signedInPage(async ({ request, reply, accountId }) => {
    await lifecycle.signOutEverywhere(accountId, request.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/account' });
    return reply.redirect('/account/signed-out-everywhere', 303);
  }));

  // No session is left to check: the page says only what the form did, and changes nothing.
  app.get('/account/signed-out-everywhere', async (request, reply) =>
    reply.render(MESSAGE, { pageTitle: request.t('identity.signOutEverywhere.doneTitle'), paragraphs: [request.t('identity.signOutEverywhere.done')], links: [{ href: '/account', text: request.t('identity.account.signInAgain') }] }),
  );

  app.get('/account/delete', signedInPage(async ({ request, reply }) => reply.render(`${VIEWS}/confirm.njk`, confirmPage(request.t, 'delete', '/account/delete'))));

  app.post<Form>('/account/delete', { schema: { body: formBody } }, signedInPage<Form>(async ({ request, reply, accountId, email }) => {
    const { t } = request;
    const password = request.body.password ?? '';
    if (!password) return reply.render(`${VIEWS}/confirm.njk`, confirmPage(t, 'delete', '/account/delete', t('identity.password.missing')));
    if (isPasswordTooLong(password)) return reply.render(`${VIEWS}/confirm.njk`, confirmPage(t, 'delete', '/account/delete', t('identity.password.problem.tooLong')));
    const checked = await passwordChecks.check({ accountId, email, password, clientIp: request.ip, requestId: request.id, page: 'delete-account' });
    const wrong = passwordProblem(t, checked, t('identity.changePassword.currentWrong'));
    if (wrong) return reply.render(`${VIEWS}/confirm.njk`, confirmPage(t, 'delete', '/account/delete', wrong));
    await lifecycle.deleteAccount(accountId, request.id);
    await messages.sendSecurityNotice({ to: email, locale: request.locale, notice: 'accountDeleted' });
    reply.clearCookie(SESSION_COOKIE, { path: '/account' });
    return reply.redirect('/account/deleted', 303);
  }));

  app.get('/account/deleted', async (request, reply) =>
    reply.render(MESSAGE, { pageTitle: request.t('identity.delete.doneTitle'), paragraphs: [request.t('identity.delete.done')] }),
  );

  const PENDING_SECRET_COOKIE = 'civitas_account_new_app';
  const addAppPage = async (request: FastifyRequest, email: string, secret: string, fieldError?: string) => {
    const { t } = request;
    const page = await describeAuthenticatorAppPage({ t, secret, siteName: app.config.SITE_NAME, email });
    return {
      ...page,
      backLink: '/account/security-methods',
      field: { name: 'code', label: t('identity.authApp.label'), autocomplete: 'one-time-code', inputmode: 'numeric', classes: 'govuk-input--width-10' },
      fieldError,
      errors: fieldError ? [{ text: fieldError, href: '#code' }] : [],
    };
  };

  app.get('/account/add-authenticator-app', recentSignInPage(async ({ request, reply, email }) => {
    const secret = createAuthenticatorSecret();
    // The secret is shown on this page anyway; the signed cookie only stops it being swapped.
    reply.setCookie(PENDING_SECRET_COOKIE, secret, { path: '/account', httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: 15 * 60 });
    return reply.render(QUESTION, await addAppPage(request, email, secret));
  }));

  app.post<Form>('/account/add-authenticator-app', { schema: { body: formBody } }, recentSignInPage<Form>(async ({ request, reply, accountId, email }) => {
    const { t } = request;
    const cookie = request.cookies[PENDING_SECRET_COOKIE];
    const pending = cookie ? request.unsignCookie(cookie) : undefined;
    if (!pending?.valid || !pending.value) return reply.redirect('/account/add-authenticator-app', 303);
    const secret = pending.value;
    const code = (request.body.code ?? '').replaceAll(' ', '').trim();
    const step = /^\d{6}$/.test(code) ? await checkAuthenticatorCode(secret, code) : undefined;
    if (step === undefined) {
      return reply.render(QUESTION, await addAppPage(request, email, secret, t(code ? 'identity.securityCode.wrong' : 'identity.securityCode.missing')));
    }
    await app.db.transaction().execute(async (transaction) => {
      await accounts.addAuthenticatorApp(accountId, { secret, step }, transaction);
      await app.audit.record({ actor: `account:${accountId}`, action: 'identity.security-method.added', subject: `account:${accountId}`, outcome: 'success', requestId: request.id, details: { method: 'auth-app' } }, transaction);
    });
    reply.clearCookie(PENDING_SECRET_COOKIE, { path: '/account' });
    await messages.sendSecurityNotice({ to: email, locale: request.locale, notice: 'securityMethodAdded' });
    return reply.redirect('/account/add-authenticator-app/done', 303);
  }));

  app.get('/account/add-authenticator-app/done', signedInPage(async ({ request, reply }) => {
    const { t } = request;
    return reply.render(MESSAGE, { pageTitle: t('identity.addMethod.doneTitle'), paragraphs: [t('identity.addMethod.done')], links: [{ href: '/account/security-methods', text: t('identity.methods.backToMethods') }] });
  }));


  // --- Change email address: the new address is proved with a code before it is used -------
  // Whoever controls the email address can reset the password, so changing it needs a recent
  // sign-in or the password, as changing a way to get security codes does.

  const PENDING_EMAIL_COOKIE = 'civitas_account_new_email';
  const emailQuestion = (t: FastifyRequest['t'], value?: string, fieldError?: string) => ({
    pageTitle: t('identity.changeEmail.title'),
    backLink: '/account',
    field: { name: 'email', type: 'email', autocomplete: 'email', value, hint: t('identity.email.hint') },
    fieldError,
    errors: fieldError ? [{ text: fieldError, href: '#email' }] : [],
  });

  app.get('/account/change-email', recentSignInPage(async ({ request, reply }) => reply.render(QUESTION, emailQuestion(request.t))));

  app.post<Form>('/account/change-email', { schema: { body: formBody } }, recentSignInPage<Form>(async ({ request, reply, accountId, email: currentEmail }) => {
    const { t } = request;
    const given = (request.body.email ?? '').trim();
    if (!given) return reply.render(QUESTION, emailQuestion(t, given, t('identity.email.missing')));
    if (given.length > EMAIL_MAX_LENGTH) return reply.render(QUESTION, emailQuestion(t, given, t('identity.email.tooLong', { max: EMAIL_MAX_LENGTH })));
    if (!isPlausibleEmail(given)) return reply.render(QUESTION, emailQuestion(t, given, t('identity.email.invalid')));
    const email = normaliseEmail(given);
    if (email === normaliseEmail(currentEmail)) return reply.render(QUESTION, emailQuestion(t, given, t('identity.changeEmail.same')));
    if (await accounts.findByEmail(email)) return reply.render(QUESTION, emailQuestion(t, given, t('identity.changeEmail.taken')));
    // Counted for this account, for the client address, and for the mailbox (whose owner has
    // proved nothing yet), so account pages cannot be used to flood someone's mailbox.
    const locked = await emailCodeBudget.spend({ requestedBy: `account:${accountId}`, unprovedMailbox: email }, request.ip);
    if (locked) return reply.render(QUESTION, emailQuestion(t, given, t('identity.checkEmail.tooManySent', { minutes: minutesUntil(locked.until) })));
    // The code is for this account and address together, so it proves nothing anywhere else.
    await messages.sendEmailCode({ to: email, code: await codes.issue('change-email', `${accountId} ${email}`), locale: request.locale });
    reply.setCookie(PENDING_EMAIL_COOKIE, email, { path: '/account', httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: 15 * 60 });
    return reply.redirect('/account/change-email/check', 303);
  }));

  const checkNewEmailPage = (t: FastifyRequest['t'], email: string, fieldError?: string) => ({
    pageTitle: t('identity.checkEmail.title'),
    backLink: '/account/change-email',
    intro: [t('identity.checkEmail.sent', { email }), t('identity.checkEmail.expiry')],
    field: { name: 'code', label: t('identity.checkEmail.label'), autocomplete: 'one-time-code', inputmode: 'numeric', classes: 'govuk-input--width-10' },
    fieldError,
    errors: fieldError ? [{ text: fieldError, href: '#code' }] : [],
  });

  function pendingEmail(request: FastifyRequest): string | undefined {
    const cookie = request.cookies[PENDING_EMAIL_COOKIE];
    const unsigned = cookie ? request.unsignCookie(cookie) : undefined;
    return unsigned?.valid && unsigned.value ? unsigned.value : undefined;
  }

  app.get('/account/change-email/check', recentSignInPage(async ({ request, reply }) => {
    const email = pendingEmail(request);
    if (!email) return reply.redirect('/account/change-email', 303);
    return reply.render(QUESTION, checkNewEmailPage(request.t, email));
  }));

  app.post<Form>('/account/change-email/check', { schema: { body: formBody } }, recentSignInPage<Form>(async ({ request, reply, accountId, email: oldEmail }) => {
    const { t } = request;
    const email = pendingEmail(request);
    if (!email) return reply.redirect('/account/change-email', 303);
    const code = (request.body.code ?? '').replaceAll(' ', '').trim();
    const key = `change-email-code:${accountId}`;
    const lockedMessage = (until: Date) => t('identity.securityCode.locked', { minutes: minutesUntil(until) });
    const status = await throttle.status(key);
    if (status.locked) return reply.render(QUESTION, checkNewEmailPage(t, email, lockedMessage(status.until)));
    if (!/^\d{6}$/.test(code)) return reply.render(QUESTION, checkNewEmailPage(t, email, t(code ? 'identity.checkEmail.wrong' : 'identity.securityCode.missing')));
    const attempt = await throttle.attempt(key, THROTTLE_RULES.emailCode);
    if (!attempt.allowed) return reply.render(QUESTION, checkNewEmailPage(t, email, lockedMessage(attempt.until)));
    if (!(await codes.redeem('change-email', `${accountId} ${email}`, code))) {
      const lock = firstLock(attempt.after);
      return reply.render(QUESTION, checkNewEmailPage(t, email, lock ? lockedMessage(lock.until) : t('identity.checkEmail.wrong')));
    }
    await throttle.clear(key);
    try {
      await app.db.transaction().execute(async (transaction) => {
        await accounts.changeEmail(accountId, email, transaction);
        await app.audit.record({ actor: `account:${accountId}`, action: 'identity.email.changed', subject: `account:${accountId}`, outcome: 'success', requestId: request.id }, transaction);
      });
    } catch {
      // Someone took the address meanwhile: the unique index refused it.
      return reply.render(QUESTION, emailQuestion(t, email, t('identity.changeEmail.taken')));
    }
    reply.clearCookie(PENDING_EMAIL_COOKIE, { path: '/account' });
    await messages.sendSecurityNotice({ to: oldEmail, locale: request.locale, notice: 'emailChanged' });
    await messages.sendSecurityNotice({ to: email, locale: request.locale, notice: 'emailChangedToThis' });
    return reply.redirect('/account/change-email/done', 303);
  }));

  // The address shown is the account's own, as it is now.
  app.get('/account/change-email/done', signedInPage(async ({ request, reply, email }) => {
    const { t } = request;
    return reply.render(MESSAGE, { pageTitle: t('identity.changeEmail.doneTitle'), paragraphs: [t('identity.changeEmail.done', { email })], links: [{ href: '/account', text: t('identity.account.back') }] });
  }));

  // --- Emails about sign-ins on new devices (off unless the person turns them on) ------------

  const newDevicePage = (t: FastifyRequest['t'], on: boolean, fieldError?: string) => ({
    pageTitle: t('identity.newDevice.title'),
    backLink: '/account',
    on,
    fieldError,
    errors: fieldError ? [{ text: fieldError, href: '#notice' }] : [],
  });

  app.get('/account/new-device-emails', signedInPage(async ({ request, reply, accountId }) =>
    reply.render(`${VIEWS}/new-device-notice.njk`, newDevicePage(request.t, await knownDevices.wantsNewDeviceNotice(accountId))),
  ));

  app.post<Form>('/account/new-device-emails', { schema: { body: formBody } }, signedInPage<Form>(async ({ request, reply, accountId }) => {
    const { t } = request;
    const choice = request.body.notice;
    if (choice !== 'on' && choice !== 'off') return reply.render(`${VIEWS}/new-device-notice.njk`, newDevicePage(t, false, t('identity.newDevice.missing')));
    await knownDevices.setNewDeviceNotice(accountId, choice === 'on');
    await app.audit.record({ actor: `account:${accountId}`, action: 'identity.new-device-notice.changed', subject: `account:${accountId}`, outcome: 'success', requestId: request.id, details: { on: choice === 'on' } });
    setFlash(reply, { key: choice === 'on' ? 'identity.newDevice.savedOn' : 'identity.newDevice.savedOff' });
    return reply.redirect('/account', 303);
  }));

  registerSecurityMethodPages(app, {
    accounts,
    codes,
    messages,
    throttle,
    guards,
    clock,
    passkeys: createPasskeys({ baseUrl: app.config.BASE_URL, siteName: app.config.SITE_NAME }),
    webSessions,
    changes: createSecurityMethodChanges(clock),
  });

  // --- Adding or changing a way to sign in needs a recent sign-in, or the password again ----

  const confirmPasswordPage = (request: FastifyRequest, fieldError?: string) => {
    const { t } = request;
    const given = (request.query as { next?: string }).next;
    const next = isAccountPagePath(given) ? given : '/account';
    return {
      pageTitle: t('identity.password.signInTitle'),
      // Back to where the change was asked for: the overview, or the page about security codes.
      backLink: next.startsWith('/account/change-email') ? '/account' : '/account/security-methods',
      intro: [t(next.startsWith('/account/change-email') ? 'identity.confirmPassword.explainEmail' : 'identity.confirmPassword.explain')],
      field: { name: 'password', kind: 'password', label: t('identity.password.label'), autocomplete: 'current-password' },
      fieldError,
      errors: fieldError ? [{ text: fieldError, href: '#password' }] : [],
      links: [{ href: `/account/sign-in-again?next=${encodeURIComponent(next)}`, text: t('identity.confirmPassword.signInAgain') }],
    };
  };

  app.get(CONFIRM_PASSWORD_PATH, { schema: { querystring: nextQuery } }, signedInPage(async ({ request, reply }) => reply.render(QUESTION, confirmPasswordPage(request))));

  app.post<Form>(CONFIRM_PASSWORD_PATH, { schema: { body: formBody, querystring: nextQuery } }, signedInPage<Form>(async ({ request, reply, accountId, email }) => {
    const { t } = request;
    const password = request.body.password ?? '';
    if (!password) return reply.render(QUESTION, confirmPasswordPage(request, t('identity.password.missing')));
    if (isPasswordTooLong(password)) return reply.render(QUESTION, confirmPasswordPage(request, t('identity.password.problem.tooLong')));
    const checked = await passwordChecks.check({ accountId, email, password, clientIp: request.ip, requestId: request.id, page: 'confirm-password' });
    const wrong = passwordProblem(t, checked, t('identity.password.wrong'));
    if (wrong) return reply.render(QUESTION, confirmPasswordPage(request, wrong));
    await webSessions.reconfirm(request.cookies[SESSION_COOKIE] as string);
    const next = (request.query as { next?: string }).next;
    return reply.redirect(isAccountPagePath(next) ? next : '/account', 303);
  }));

  // Signing out changes state, so it is a form the overview posts with its CSRF token; a link
  // another site could plant (an image, a redirect) only reaches this page asking to confirm.
  app.get('/account/sign-out', async (request, reply) => {
    if (!request.cookies[SESSION_COOKIE]) return reply.redirect('/account/signed-out', 303);
    return reply.render(`${VIEWS}/confirm.njk`, confirmPage(request.t, 'logout', '/account/sign-out'));
  });

  app.post('/account/sign-out', async (request, reply) => {
    const key = request.cookies[SESSION_COOKIE];
    if (key) await webSessions.end(key);
    reply.clearCookie(SESSION_COOKIE, { path: '/account' });
    const stored = request.cookies[`${SESSION_COOKIE}_id_token`];
    const idToken = stored ? request.unsignCookie(stored) : undefined;
    reply.clearCookie(`${SESSION_COOKIE}_id_token`, { path: '/account' });
    if (!idToken?.valid || !idToken.value) return reply.redirect('/account/signed-out', 303);
    return reply.redirect(await signIn.signOutUrl(idToken.value), 303);
  });

  // The account pages' sessions of a One Login session end with it, as any service's do.
  registerBackchannelLogout(app, { path: ACCOUNT_BACKCHANNEL_LOGOUT_PATH, service: 'account', signIn, endSessions: (logout) => webSessions.endFor(logout) });

  app.get('/account/signed-out', async (request, reply) =>
    reply.render(MESSAGE, { pageTitle: request.t('identity.logout.doneTitle'), paragraphs: [request.t('identity.logout.done')], links: [{ href: '/account', text: request.t('identity.account.signInAgain') }] }),
  );
}
