import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDate } from '../../../platform/http/dates.ts';
import type { Locale, Translate } from '../../../platform/http/i18n.ts';
import { normaliseUkMobile, type AccountService } from '../accounts/account.service.ts';
import type { SecurityMethodRow } from '../accounts/account.store.ts';
import type { OneTimeCodes } from '../codes/one-time-codes.ts';
import type { IdentityMessages } from '../messages/identity-messages.ts';
import type { Passkeys } from '../passkeys/passkeys.ts';
import { createTextBudget } from '../security/text-budget.ts';
import { firstLock, THROTTLE_RULES, type Throttle } from '../security/throttle.ts';
import type { SecurityMethodChanges } from './security-method-changes.ts';
import { setFlash, takeFlash } from './account-flash.ts';
import { formBody, type Form, type createPageGuards } from './signed-in-page.ts';
import type { WebSessions } from './web-sessions.ts';

const VIEWS = 'modules/identity/account/views';
const MESSAGE = 'modules/identity/sign-in/views/message.njk';
const QUESTION = 'modules/identity/sign-in/views/question.njk';
const PENDING_PHONE_COOKIE = 'civitas_account_new_phone';
const PENDING_MINUTES = 15;
// A WebAuthn response (with its attestation) is larger than any typed answer.
const passkeyBody = {
  type: 'object',
  properties: { response: { type: 'string', maxLength: 16384 } },
  additionalProperties: { type: 'string', maxLength: 1024 },
} as const;

type FieldError = Array<{ text: string; href: string }>;

export type SecurityMethodPageDependencies = {
  accounts: AccountService;
  codes: OneTimeCodes;
  messages: IdentityMessages;
  throttle: Throttle;
  passkeys: Passkeys;
  webSessions: WebSessions;
  changes: SecurityMethodChanges;
  guards: ReturnType<typeof createPageGuards>;
  clock: () => Date;
};

/** The day a way to get codes was added, as GOV.UK writes dates, in UK time. */
export function formatDateAdded(iso: string, locale: Locale): string {
  return formatDate(iso, locale);
}

const lastDigits = (phoneNumber: string) => phoneNumber.slice(-4);
const textMessageMethodOf = (methods: readonly SecurityMethodRow[]) => methods.find((method) => method.kind === 'sms' && method.phone_number);
const fieldErrors = (href: string, text?: string): FieldError => (text ? [{ text, href }] : []);

/**
 * "How you get security codes": see them, remove one that is not the last, and add a text
 * message or a passkey, or change the phone number, each proved before it is kept.
 */
export function registerSecurityMethodPages(app: FastifyInstance, dependencies: SecurityMethodPageDependencies): void {
  const { accounts, codes, messages, throttle, passkeys, webSessions, changes, guards, clock } = dependencies;
  const { signedInPage, recentSignInPage } = guards;
  const textBudget = createTextBudget(throttle);
  const secure = app.config.BASE_URL.startsWith('https://');
  const cookieOptions = { path: '/account', httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: PENDING_MINUTES * 60 } as const;
  const minutesUntil = (until: Date) => Math.max(1, Math.ceil((until.getTime() - clock().getTime()) / 60_000));

  function readSignedCookie(request: FastifyRequest, name: string): string | undefined {
    const cookie = request.cookies[name];
    const unsigned = cookie ? request.unsignCookie(cookie) : undefined;
    return unsigned?.valid && unsigned.value ? unsigned.value : undefined;
  }

  const doneMessage = (reply: FastifyReply, t: Translate, text: { title: string; paragraph: string }) =>
    reply.render(MESSAGE, { pageTitle: text.title, paragraphs: [text.paragraph], links: [{ href: '/account/security-methods', text: t('identity.methods.backToMethods') }] });

  /** How a method is named in a sentence ("the authenticator app added 2 May 2026"), as flash parameters. */
  const describeMethod = (method: SecurityMethodRow) => ({
    kind: method.kind,
    ...(method.kind === 'sms' && method.phone_number ? { digits: lastDigits(method.phone_number) } : { added: method.created_at }),
  });
  const whatIs = (t: Translate, locale: Locale, described: Record<string, string>) =>
    t(`identity.methods.what.${described.kind}`, { digits: described.digits ?? '', date: described.added ? formatDateAdded(described.added, locale) : '' });
  const isMethodKind = (kind: string | undefined) => kind === 'auth-app' || kind === 'sms' || kind === 'passkey';

  app.get('/account/security-methods', signedInPage(async ({ request, reply, accountId }) => {
    const { t } = request;
    const methods = await accounts.listMethods(accountId);
    const flash = takeFlash(request, reply, 'identity.methods.');
    const banner = flash?.key === 'identity.methods.removed' && isMethodKind(flash.parameters?.kind)
      ? t('identity.methods.removed', { what: whatIs(t, request.locale, flash.parameters ?? {}) })
      : flash ? t(flash.key, flash.parameters) : undefined;
    return reply.render(`${VIEWS}/methods.njk`, {
      pageTitle: t('identity.methods.title'),
      backLink: '/account',
      banner,
      methods: methods.map((method) => ({
        id: method.id,
        kind: method.kind,
        name: t(`identity.account.method.${method.kind}`),
        detail: method.kind === 'sms' && method.phone_number ? t('identity.methods.phoneEnding', { digits: lastDigits(method.phone_number) }) : '',
        added: t('identity.methods.added', { date: formatDateAdded(method.created_at, request.locale) }),
      })),
      canRemove: methods.length > 1,
      canAddTextMessage: !textMessageMethodOf(methods),
    });
  }));

  const removeParams = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] } as const;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  // "Are you sure?" first, as GOV.UK asks before anything that cannot be undone from the page.
  app.get<{ Params: { id: string } }>(
    '/account/security-methods/:id/remove',
    { schema: { params: removeParams } },
    recentSignInPage(async ({ request, reply, accountId }) => {
      const { t } = request;
      const { id } = request.params as { id: string };
      const methods = await accounts.listMethods(accountId);
      const method = UUID.test(id) ? methods.find((candidate) => candidate.id === id) : undefined;
      if (!method) {
        setFlash(reply, { key: 'identity.methods.alreadyRemoved' });
        return reply.redirect('/account/security-methods', 303);
      }
      if (methods.length < 2) {
        setFlash(reply, { key: 'identity.methods.lastOne' });
        return reply.redirect('/account/security-methods', 303);
      }
      const what = whatIs(t, request.locale, describeMethod(method));
      return reply.render(`${VIEWS}/remove-method.njk`, {
        pageTitle: t('identity.methods.removeTitle', { what }),
        backLink: '/account/security-methods',
        explain: t('identity.methods.removeExplain'),
        action: `/account/security-methods/${method.id}/remove`,
        button: t('identity.methods.removeButton'),
      });
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/account/security-methods/:id/remove',
    { schema: { params: removeParams } },
    recentSignInPage(async ({ request, reply, accountId, email }) => {
      const { id } = request.params as { id: string };
      // removeMethodUnlessLast counts and deletes in one transaction, serialised per account.
      const removed = UUID.test(id)
        ? await app.db.transaction().execute(async (transaction) => {
            const method = await accounts.removeMethodUnlessLast(accountId, id, transaction);
            if (method) await app.audit.record({ actor: `account:${accountId}`, action: 'identity.security-method.removed', subject: `account:${accountId}`, outcome: 'success', requestId: request.id, details: { method: method.kind } }, transaction);
            return method;
          })
        : undefined;
      if (removed) {
        await messages.sendSecurityNotice({ to: email, locale: request.locale, notice: 'securityMethodRemoved' });
        setFlash(reply, { key: 'identity.methods.removed', parameters: describeMethod(removed) });
      } else {
        const stillThere = (await accounts.listMethods(accountId)).some((method) => method.id === id);
        setFlash(reply, { key: stillThere ? 'identity.methods.lastOne' : 'identity.methods.alreadyRemoved' });
      }
      return reply.redirect('/account/security-methods', 303);
    }, { returnTo: '/account/security-methods' }),
  );

  // --- Text messages: a new number is proved by a code sent to it ---------------------------

  const phoneQuestion = (t: Translate, input: { change: boolean; value?: string; fieldError?: string }) => ({
    pageTitle: t(input.change ? 'identity.changePhone.title' : 'identity.phone.title'),
    field: { name: 'phone', type: 'tel', autocomplete: 'tel', value: input.value, hint: t('identity.phone.hint'), classes: 'govuk-input--width-20' },
    fieldError: input.fieldError,
    errors: fieldErrors('#phone', input.fieldError),
    backLink: '/account/security-methods',
  });

  /** Checks the number typed, sends it a code and remembers it for the next page; or says what is wrong. */
  async function sendCodeToNewNumber(input: { request: FastifyRequest<Form>; reply: FastifyReply; accountId: string; existing?: SecurityMethodRow }) {
    const { request, reply, accountId, existing } = input;
    const { t } = request;
    const change = existing !== undefined;
    const given = (request.body.phone ?? '').trim();
    const phoneNumber = normaliseUkMobile(given);
    const problem = (fieldError: string) => reply.render(QUESTION, phoneQuestion(t, { change, value: given, fieldError }));
    if (!phoneNumber) return problem(t(given ? 'identity.phone.invalid' : 'identity.phone.missing'));
    if (phoneNumber === existing?.phone_number) return problem(t('identity.changePhone.same'));
    // A verification text is counted for this account, for the number and for the client
    // address, never against the number's sign-in texts: a stranger asking for codes to be sent
    // to a number cannot keep its owner from signing in.
    const refused = await textBudget.spend({ kind: 'verify-number', requestedBy: `account:${accountId}`, phoneNumber }, request.ip);
    if (refused) return problem(t('identity.checkEmail.tooManySent', { minutes: minutesUntil(refused.until) }));
    // The code is for this account and number together, so it proves nothing anywhere else.
    await messages.sendSmsCode({ to: phoneNumber, code: await codes.issue('verify-phone', `${accountId} ${phoneNumber}`), locale: request.locale });
    reply.setCookie(PENDING_PHONE_COOKIE, JSON.stringify({ methodId: existing?.id, phoneNumber }), cookieOptions);
    return reply.redirect('/account/check-phone', 303);
  }

  app.get('/account/add-text-message', recentSignInPage(async ({ request, reply, accountId }) => {
    if (textMessageMethodOf(await accounts.listMethods(accountId))) return reply.redirect('/account/change-phone-number', 303);
    return reply.render(QUESTION, phoneQuestion(request.t, { change: false }));
  }));

  app.post<Form>('/account/add-text-message', { schema: { body: formBody } }, recentSignInPage<Form>(async ({ request, reply, accountId }) => {
    if (textMessageMethodOf(await accounts.listMethods(accountId))) return reply.redirect('/account/change-phone-number', 303);
    return sendCodeToNewNumber({ request, reply, accountId });
  }));

  app.get('/account/change-phone-number', recentSignInPage(async ({ request, reply, accountId }) => {
    if (!textMessageMethodOf(await accounts.listMethods(accountId))) return reply.redirect('/account/add-text-message', 303);
    return reply.render(QUESTION, phoneQuestion(request.t, { change: true }));
  }));

  app.post<Form>('/account/change-phone-number', { schema: { body: formBody } }, recentSignInPage<Form>(async ({ request, reply, accountId }) => {
    const existing = textMessageMethodOf(await accounts.listMethods(accountId));
    if (!existing) return reply.redirect('/account/add-text-message', 303);
    return sendCodeToNewNumber({ request, reply, accountId, existing });
  }));

  function pendingPhone(request: FastifyRequest): { methodId?: string; phoneNumber: string } | undefined {
    try {
      const pending = JSON.parse(readSignedCookie(request, PENDING_PHONE_COOKIE) ?? '') as { methodId?: unknown; phoneNumber?: unknown };
      if (typeof pending.phoneNumber !== 'string') return undefined;
      return { phoneNumber: pending.phoneNumber, ...(typeof pending.methodId === 'string' ? { methodId: pending.methodId } : {}) };
    } catch {
      return undefined;
    }
  }

  const checkPhonePage = (t: Translate, input: { phoneNumber: string; change: boolean; fieldError?: string }) => ({
    pageTitle: t('identity.checkPhone.title'),
    backLink: input.change ? '/account/change-phone-number' : '/account/add-text-message',
    intro: [t('identity.checkPhone.sent', { digits: lastDigits(input.phoneNumber) }), t('identity.checkEmail.expiry')],
    ...(input.change ? { inset: t('identity.changePhone.oldKeepsWorking') } : {}),
    field: { name: 'code', label: t('identity.checkEmail.label'), autocomplete: 'one-time-code', inputmode: 'numeric', classes: 'govuk-input--width-10' },
    fieldError: input.fieldError,
    errors: fieldErrors('#code', input.fieldError),
    links: [{ href: input.change ? '/account/change-phone-number' : '/account/add-text-message', text: t('identity.checkPhone.sendAgain') }],
  });

  app.get('/account/check-phone', recentSignInPage(async ({ request, reply }) => {
    const pending = pendingPhone(request);
    if (!pending) return reply.redirect('/account/security-methods', 303);
    return reply.render(QUESTION, checkPhonePage(request.t, { phoneNumber: pending.phoneNumber, change: pending.methodId !== undefined }));
  }));

  app.post<Form>('/account/check-phone', { schema: { body: formBody } }, recentSignInPage<Form>(async ({ request, reply, accountId, email }) => {
    const { t } = request;
    const pending = pendingPhone(request);
    if (!pending) return reply.redirect('/account/security-methods', 303);
    const { phoneNumber, methodId } = pending;
    const existing = textMessageMethodOf(await accounts.listMethods(accountId));
    // The number to change must still be this account's; and a new one is only added beside none.
    if (methodId ? existing?.id !== methodId : existing) return reply.redirect('/account/security-methods', 303);
    const change = methodId !== undefined;
    const retry = (fieldError: string) => reply.render(QUESTION, checkPhonePage(t, { phoneNumber, change, fieldError }));

    // The same limits as for codes at sign-in: a few wrong codes lock this number, for this
    // account only, for a while.
    const key = `phone-code:${accountId}:${phoneNumber}`;
    const status = await throttle.status(key);
    if (status.locked) return retry(t('identity.securityCode.locked', { minutes: minutesUntil(status.until) }));
    const code = (request.body.code ?? '').replaceAll(' ', '').trim();
    if (!/^\d{6}$/.test(code)) return retry(t(code ? 'identity.securityCode.format' : 'identity.securityCode.missing'));
    const attempt = await throttle.attempt(key, THROTTLE_RULES.securityCode);
    if (!attempt.allowed) return retry(t('identity.securityCode.locked', { minutes: minutesUntil(attempt.until) }));
    if (!(await codes.redeem('verify-phone', `${accountId} ${phoneNumber}`, code))) {
      const lock = firstLock(attempt.after);
      return retry(lock ? t('identity.securityCode.locked', { minutes: minutesUntil(lock.until) }) : t('identity.checkEmail.wrong'));
    }
    await throttle.clear(key);

    await app.db.transaction().execute(async (transaction) => {
      if (methodId) await changes.changePhoneNumber(transaction, { accountId, methodId, phoneNumber });
      else await changes.addTextMessage(transaction, { accountId, phoneNumber });
      await app.audit.record(
        change
          ? { actor: `account:${accountId}`, action: 'identity.phone-number.changed', subject: `account:${accountId}`, outcome: 'success', requestId: request.id, details: { method: 'sms' } }
          : { actor: `account:${accountId}`, action: 'identity.security-method.added', subject: `account:${accountId}`, outcome: 'success', requestId: request.id, details: { method: 'sms' } },
        transaction,
      );
    });
    reply.clearCookie(PENDING_PHONE_COOKIE, { path: '/account' });
    await messages.sendSecurityNotice({ to: email, locale: request.locale, notice: change ? 'phoneNumberChanged' : 'securityMethodAdded' });
    return reply.redirect(change ? '/account/change-phone-number/done' : '/account/add-text-message/done', 303);
  }));

  // Where a proved number ends (post/redirect/get): the number shown is the account's, as it is now.
  for (const [path, key] of [['/account/change-phone-number/done', 'changePhone'], ['/account/add-text-message/done', 'addPhone']] as const) {
    app.get(path, signedInPage(async ({ request, reply, accountId }) => {
      const { t } = request;
      const method = textMessageMethodOf(await accounts.listMethods(accountId));
      if (!method?.phone_number) return reply.redirect('/account/security-methods', 303);
      return doneMessage(reply, t, { title: t(`identity.${key}.doneTitle`), paragraph: t(`identity.${key}.done`, { digits: lastDigits(method.phone_number) }) });
    }));
  }

  // --- Passkeys: made by the browser (WebAuthn), so this page needs JavaScript ---------------

  /** Asks the browser for a new passkey; its challenge is kept with this session, replacing any earlier one. */
  async function renderPasskeyPage(input: { request: FastifyRequest; reply: FastifyReply; accountId: string; email: string; sessionKey: string; fieldError?: string }) {
    const { request, reply } = input;
    const { t } = request;
    const existing = (await accounts.listMethods(input.accountId)).filter((method) => method.kind === 'passkey');
    const options = await passkeys.registrationOptions({ email: input.email, existing });
    await webSessions.keepPasskeyChallenge(input.sessionKey, options.challenge);
    return reply.render(`${VIEWS}/add-passkey.njk`, {
      pageTitle: t('identity.addPasskey.title'),
      backLink: '/account/security-methods',
      paragraphs: [t('identity.passkey.createExplain'), t('identity.passkey.needsJavaScript')],
      // Kept out of the HTML parser's reach: no "<" can close the script element early.
      optionsJson: JSON.stringify(options).replaceAll('<', '\\u003c'),
      fieldError: input.fieldError,
      errors: fieldErrors('#passkey-button', input.fieldError),
    });
  }

  app.get('/account/add-passkey', recentSignInPage(async ({ request, reply, accountId, email, sessionKey }) => renderPasskeyPage({ request, reply, accountId, email, sessionKey })));

  app.post<Form>('/account/add-passkey', { schema: { body: passkeyBody } }, recentSignInPage<Form>(async ({ request, reply, accountId, email, sessionKey }) => {
    const { t } = request;
    // The response is checked against the challenge given to this session only, which is used
    // up whatever the answer: a response made for another session's challenge does not answer
    // it, and one sent again finds none.
    const challenge = await webSessions.takePasskeyChallenge(sessionKey);
    if (!challenge) return reply.redirect('/account/add-passkey', 303);
    const raw = request.body.response ?? '';
    // An empty answer means the page's script did not run: no JavaScript, or no WebAuthn.
    if (!raw) return renderPasskeyPage({ request, reply, accountId, email, sessionKey, fieldError: t('identity.addPasskey.unsupported') });
    let response: unknown;
    try {
      response = JSON.parse(raw);
    } catch {
      response = undefined;
    }
    const passkey = response && typeof response === 'object' ? await passkeys.verifyRegistration(response, challenge) : undefined;
    if (!passkey) return renderPasskeyPage({ request, reply, accountId, email, sessionKey, fieldError: t('identity.addPasskey.failed') });
    try {
      await app.db.transaction().execute(async (transaction) => {
        await changes.addPasskey(transaction, { accountId, passkey });
        await app.audit.record({ actor: `account:${accountId}`, action: 'identity.security-method.added', subject: `account:${accountId}`, outcome: 'success', requestId: request.id, details: { method: 'passkey' } }, transaction);
      });
    } catch {
      // The same answer sent twice: the credential is already kept (its id is unique).
      return reply.redirect('/account/security-methods', 303);
    }
    await messages.sendSecurityNotice({ to: email, locale: request.locale, notice: 'securityMethodAdded' });
    return reply.redirect('/account/add-passkey/done', 303);
  }));

  app.get('/account/add-passkey/done', signedInPage(async ({ request, reply }) => {
    const { t } = request;
    return doneMessage(reply, t, { title: t('identity.addPasskey.doneTitle'), paragraph: t('identity.addPasskey.done') });
  }));
}
