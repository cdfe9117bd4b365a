import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { PageContext } from '../../../platform/http/views.ts';
import type { AccountService } from '../accounts/account.service.ts';
import { isPlausibleEmail, normaliseEmail, normaliseUkMobile } from '../accounts/account.service.ts';
import { checkAuthenticatorCode, createAuthenticatorSecret } from '../accounts/authenticator-app.ts';
import { describeAuthenticatorAppPage } from '../accounts/authenticator-app-page.ts';
import { checkNewPassword, hashPassword } from '../accounts/passwords.ts';
import type { OneTimeCodes } from '../codes/one-time-codes.ts';
import type { IdentityMessages } from '../messages/identity-messages.ts';
import type { ProviderHolder } from '../provider/provider-holder.ts';
import { parseRequestedLevel, type CredentialLevel } from '../provider/vectors-of-trust.ts';
import { THROTTLE_RULES, type Throttle } from '../security/throttle.ts';
import type { Journey, Journeys } from './journey.ts';
import type { Passkeys } from '../passkeys/passkeys.ts';
import type { SecurityMethodKind, SecurityMethodRow } from '../accounts/account.store.ts';

export type SignInDependencies = {
  providers: ProviderHolder;
  passkeys: Passkeys;
  accounts: AccountService;
  journeys: Journeys;
  codes: OneTimeCodes;
  throttle: Throttle;
  messages: IdentityMessages;
  clock?: () => Date;
};

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

type Step = {
  request: FastifyRequest<{ Params: { uid: string }; Body: Record<string, string | undefined> }>;
  reply: FastifyReply;
  provider: Provider;
  details: InteractionDetails;
  journey: Journey;
  uid: string;
};

const VIEWS = 'modules/identity/sign-in/views';
const uidParams = {
  type: 'object',
  properties: { uid: { type: 'string', pattern: '^[A-Za-z0-9_-]{10,64}$' } },
  required: ['uid'],
} as const;
const formBody = { type: 'object', additionalProperties: { type: 'string', maxLength: 1024 } } as const;
// A WebAuthn response (with its attestation) is larger than any typed answer.
const passkeyBody = {
  type: 'object',
  properties: { response: { type: 'string', maxLength: 16384 } },
  additionalProperties: { type: 'string', maxLength: 1024 },
} as const;

function field(body: Record<string, string | undefined> | undefined, name: string): string {
  return (body?.[name] ?? '').trim();
}

function minutesUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
}

/** The order sign-in has always offered them in: the first the account has is its default. */
const SIGN_IN_METHOD_ORDER: readonly SecurityMethodKind[] = ['auth-app', 'sms', 'passkey'];

/** The ways this account can get a security code at sign-in, default first. */
function signInMethodsOf(methods: SecurityMethodRow[]): { kinds: SecurityMethodKind[]; phoneNumber?: string } {
  const phoneNumber = methods.find((method) => method.kind === 'sms' && method.phone_number)?.phone_number ?? undefined;
  const kinds = SIGN_IN_METHOD_ORDER.filter((kind) => (kind === 'sms' ? phoneNumber !== undefined : methods.some((method) => method.kind === kind)));
  return { kinds, phoneNumber };
}

/** The person's choice while the account still has it, otherwise the account's default. */
function methodInUse(journey: Journey, kinds: SecurityMethodKind[]): SecurityMethodKind | undefined {
  return journey.securityMethod && kinds.includes(journey.securityMethod) ? journey.securityMethod : kinds[0];
}

/** The pages a person meets between a service's "Sign in" button and coming back signed in. */
export function registerSignInPages(app: FastifyInstance, dependencies: SignInDependencies): void {
  const { providers, accounts, journeys, codes, throttle, messages, passkeys } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());

  function renderQuestion(step: Step, context: PageContext & { field: Record<string, unknown>; fieldError?: string }) {
    const errors = context.fieldError ? [{ text: context.fieldError, href: `#${String(context.field.name)}` }] : [];
    // A form shown again with its errors is a normal page (200), as on GOV.UK services.
    return step.reply.render(`${VIEWS}/question.njk`, { errors, ...context });
  }

  function renderExpired(request: FastifyRequest, reply: FastifyReply) {
    const { t } = request;
    return reply.code(400).render(`${VIEWS}/message.njk`, {
      pageTitle: t('identity.expired.title'),
      paragraphs: [t('identity.expired.explain'), t('identity.expired.again')],
    });
  }

  /** Loads the provider's interaction for this browser, and the journey so far. */
  function step(handler: (step: Step) => Promise<unknown>) {
    return async (request: Step['request'], reply: FastifyReply) => {
      const provider = await providers.current();
      let details: InteractionDetails;
      try {
        details = await provider.interactionDetails(request.raw, reply.raw);
      } catch {
        return renderExpired(request, reply);
      }
      if (details.uid !== request.params.uid) return renderExpired(request, reply);
      const journey = await journeys.load(details.uid);
      return handler({ request, reply, provider, details, journey, uid: details.uid });
    };
  }

  const path = (uid: string, rest = '') => `/sign-in/${uid}${rest}`;

  function levelOf(details: InteractionDetails): CredentialLevel {
    const vtr = details.params.vtr as string | undefined;
    return parseRequestedLevel(vtr, ['Cl', 'Cl.Cm']) ?? 'Cl.Cm';
  }

  async function finish(current: Step, accountId: string, level: CredentialLevel) {
    const { request, reply, provider, details, uid } = current;
    const clientId = String(details.params.client_id);
    await accounts.recordServiceUse(accountId, clientId);
    await request.server.audit.record({
      actor: `account:${accountId}`,
      action: 'identity.sign-in.completed',
      subject: `account:${accountId}`,
      outcome: 'success',
      requestId: request.id,
      details: { clientId, level },
    });
    const redirectTo = await provider.interactionResult(
      request.raw,
      reply.raw,
      {
        login: {
          accountId,
          acr: level,
          amr: level === 'Cl.Cm' ? ['pwd', 'otp'] : ['pwd'],
          remember: true,
          ts: Math.floor(clock().getTime() / 1000),
        },
      },
      { mergeWithLastSubmission: false },
    );
    await journeys.end(uid);
    return reply.redirect(redirectTo, 303);
  }

  // --- Start ---------------------------------------------------------------------------------

  app.get('/sign-in/:uid', { schema: { params: uidParams } }, step(async ({ request, reply, details, uid }) => {
    const wanted = String(details.params.ui_locales ?? '').split(' ')[0];
    const chosen = (request.query as Record<string, unknown>).lang;
    if (wanted === 'cy' && request.locale !== 'cy' && chosen === undefined && !request.cookies.civitas_lang) {
      return reply.redirect(`${path(uid)}?lang=cy`, 303);
    }
    const { t } = request;
    return reply.render(`${VIEWS}/start.njk`, {
      pageTitle: t('identity.start.title'),
      createHref: path(uid, '/create/email'),
      signInHref: path(uid, '/email'),
    });
  }));

  // --- Sign in: email, password, security code ----------------------------------------------

  const emailField = (t: FastifyRequest['t'], value?: string) => ({
    name: 'email',
    type: 'email',
    autocomplete: 'email',
    value,
    hint: t('identity.email.hint'),
  });

  app.get('/sign-in/:uid/email', { schema: { params: uidParams } }, step(async (current) => {
    const { t } = current.request;
    return renderQuestion(current, { pageTitle: t('identity.email.signInTitle'), field: emailField(t, current.journey.email) });
  }));

  app.post('/sign-in/:uid/email', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const email = field(request.body, 'email');
    const pageTitle = t('identity.email.signInTitle');
    if (!email) return renderQuestion(current, { pageTitle, field: emailField(t, email), fieldError: t('identity.email.missing') });
    if (!isPlausibleEmail(email)) return renderQuestion(current, { pageTitle, field: emailField(t, email), fieldError: t('identity.email.invalid') });
    await journeys.save(uid, { ...journey, email: normaliseEmail(email), accountId: undefined });
    if (!(await accounts.findByEmail(email))) {
      return renderQuestion(current, {
        pageTitle,
        field: emailField(t, email),
        fieldError: t('identity.email.noAccount'),
        links: [{ href: path(uid, '/create/email'), text: t('identity.email.createInstead') }],
      });
    }
    return reply.redirect(path(uid, '/password'), 303);
  }));

  const passwordField = (t: FastifyRequest['t'], autocomplete: string, hint?: string) => ({
    name: 'password',
    kind: 'password',
    autocomplete,
    hint,
    label: t('identity.password.label'),
  });

  app.get('/sign-in/:uid/password', { schema: { params: uidParams } }, step(async (current) => {
    const { t } = current.request;
    if (!current.journey.email) return current.reply.redirect(path(current.uid, '/email'), 303);
    return renderQuestion(current, {
      pageTitle: t('identity.password.signInTitle'),
      field: { ...passwordField(t, 'current-password'), label: t('identity.password.signInTitle') },
      links: [{ href: path(current.uid, '/reset-password'), text: t('identity.resetPassword.link') }],
    });
  }));

  app.post('/sign-in/:uid/password', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid, details } = current;
    const { t } = request;
    if (!journey.email) return reply.redirect(path(uid, '/email'), 303);
    const pageTitle = t('identity.password.signInTitle');
    const passwordQuestion = { ...passwordField(t, 'current-password'), label: pageTitle };
    const links = [{ href: path(uid, '/reset-password'), text: t('identity.resetPassword.link') }];
    const password = request.body?.password ?? '';
    if (!password) return renderQuestion(current, { pageTitle, field: passwordQuestion, links, fieldError: t('identity.password.missing') });

    const passwordCheck = await accounts.passwordCheckFor(journey.email);
    const account = passwordCheck.account;
    const accountKey = `password:${account?.id ?? journey.email}:${request.ip}`;
    const addressKey = `password-from:${request.ip}`;
    const [accountStatus, addressStatus] = await throttle.statusOfEach([accountKey, addressKey]);
    for (const status of [accountStatus, addressStatus]) {
      if (status?.locked) {
        return renderQuestion(current, {
          pageTitle,
          field: passwordQuestion,
          links,
          fieldError: t('identity.password.locked', { minutes: minutesUntil(status.until, clock()) }),
        });
      }
    }
    const verified = (await passwordCheck.verify(password)) ? account : undefined;
    if (!verified) {
      const status = await throttle.recordFailure(accountKey, THROTTLE_RULES.password);
      await throttle.recordFailure(addressKey, THROTTLE_RULES.passwordFromAddress);
      await request.server.audit.record({
        actor: 'anonymous',
        action: 'identity.sign-in.password-wrong',
        subject: account ? `account:${account.id}` : 'account:unknown',
        outcome: 'failure',
        requestId: request.id,
        details: { locked: status.locked },
      });
      return renderQuestion(current, {
        pageTitle,
        field: passwordQuestion,
        links,
        fieldError: status.locked
          ? t('identity.password.locked', { minutes: minutesUntil(status.until, clock()) })
          : t('identity.password.wrong'),
      });
    }
    if (accountStatus?.counted) await throttle.clear(accountKey);
    await journeys.save(uid, { ...journey, accountId: verified.id });
    if (levelOf(details) === 'Cl') return finish(current, verified.id, 'Cl');
    return reply.redirect(path(uid, '/security-code'), 303);
  }));

  const METHOD_STEPS: Record<SecurityMethodKind, string> = { 'auth-app': '/security-code', sms: '/text-message', passkey: '/passkey' };

  /** Below a security code page: send again (texts), another of the account's ways, and recovery. */
  function securityCodeLinks(current: Step, input: { method: SecurityMethodKind; kinds: SecurityMethodKind[] }) {
    const { t } = current.request;
    const otherWay = input.kinds.some((kind) => kind !== input.method)
      ? [{ href: path(current.uid, '/security-code-method'), text: t(input.method === 'passkey' ? 'identity.otherMethod.passkeyLink' : 'identity.otherMethod.link') }]
      : [];
    if (input.method === 'sms') {
      return [{ href: path(current.uid, '/text-message/send-again'), text: t('identity.checkPhone.sendAgainSignIn') }, ...otherWay, { href: path(current.uid, '/recover'), text: t('identity.recover.phoneLink') }];
    }
    if (input.method === 'passkey') return [...otherWay, { href: path(current.uid, '/recover'), text: t('identity.passkey.lost') }];
    return [...otherWay, { href: path(current.uid, '/recover'), text: t('identity.recover.link') }];
  }

  const codeField = (t: FastifyRequest['t'], label: string) => ({
    name: 'code',
    label,
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    classes: 'govuk-input--width-10',
  });

  app.get('/sign-in/:uid/security-code', { schema: { params: uidParams } }, step(async (current) => {
    const { t } = current.request;
    if (!current.journey.accountId) return current.reply.redirect(path(current.uid, '/email'), 303);
    const { kinds } = signInMethodsOf(await accounts.listMethods(current.journey.accountId));
    const method = methodInUse(current.journey, kinds);
    if (method === 'sms' || method === 'passkey') return current.reply.redirect(path(current.uid, METHOD_STEPS[method]), 303);
    return renderQuestion(current, {
      pageTitle: t('identity.securityCode.title'),
      intro: [t('identity.securityCode.authAppIntro')],
      field: codeField(t, t('identity.securityCode.label')),
      links: securityCodeLinks(current, { method: 'auth-app', kinds }),
    });
  }));

  app.post('/sign-in/:uid/security-code', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const accountId = journey.accountId;
    if (!accountId) return reply.redirect(path(uid, '/email'), 303);
    const pageTitle = t('identity.securityCode.title');
    const { kinds } = signInMethodsOf(await accounts.listMethods(accountId));
    const bySms = methodInUse(journey, kinds) === 'sms';
    const question = {
      pageTitle,
      intro: [t(bySms ? 'identity.securityCode.smsIntro' : 'identity.securityCode.authAppIntro')],
      field: codeField(t, t('identity.securityCode.label')),
      links: securityCodeLinks(current, { method: bySms ? 'sms' : 'auth-app', kinds }),
    };
    const code = field(request.body, 'code').replaceAll(' ', '');
    const key = `security-code:${accountId}`;
    const status = await throttle.status(key);
    if (status.locked) {
      return renderQuestion(current, { ...question, fieldError: t('identity.securityCode.locked', { minutes: minutesUntil(status.until, clock()) }) });
    }
    if (!/^\d{6}$/.test(code)) {
      return renderQuestion(current, { ...question, fieldError: t(code ? 'identity.securityCode.format' : 'identity.securityCode.missing') });
    }
    const right = bySms
      ? await codes.redeem('sign-in-sms', accountId, code)
      : await accounts.checkAuthenticatorAppCode(accountId, code);
    if (!right) {
      const after = await throttle.recordFailure(key, THROTTLE_RULES.securityCode);
      await request.server.audit.record({
        actor: `account:${accountId}`,
        action: 'identity.sign-in.security-code-wrong',
        subject: `account:${accountId}`,
        outcome: 'failure',
        requestId: request.id,
        details: { locked: after.locked },
      });
      return renderQuestion(current, {
        ...question,
        fieldError: after.locked
          ? t('identity.securityCode.locked', { minutes: minutesUntil(after.until, clock()) })
          : t('identity.securityCode.wrong'),
      });
    }
    await throttle.clear(key);
    return finish(current, accountId, 'Cl.Cm');
  }));

  // --- Create an account: email, emailed code, password, security method ---------------------

  app.get('/sign-in/:uid/create/email', { schema: { params: uidParams } }, step(async (current) => {
    const { t } = current.request;
    return renderQuestion(current, { pageTitle: t('identity.email.createTitle'), field: emailField(t, current.journey.email) });
  }));

  app.post('/sign-in/:uid/create/email', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const pageTitle = t('identity.email.createTitle');
    const email = field(request.body, 'email');
    if (!email) return renderQuestion(current, { pageTitle, field: emailField(t, email), fieldError: t('identity.email.missing') });
    if (!isPlausibleEmail(email)) return renderQuestion(current, { pageTitle, field: emailField(t, email), fieldError: t('identity.email.invalid') });
    if (await accounts.findByEmail(email)) {
      return renderQuestion(current, {
        pageTitle,
        field: emailField(t, email),
        fieldError: t('identity.email.alreadyExists'),
        links: [{ href: path(uid, '/email'), text: t('identity.email.signInInstead') }],
      });
    }
    const normalised = normaliseEmail(email);
    const sending = await throttle.status(`code-sending:${normalised}`);
    if (sending.locked) {
      return renderQuestion(current, { pageTitle, field: emailField(t, email), fieldError: t('identity.checkEmail.tooManySent', { minutes: minutesUntil(sending.until, clock()) }) });
    }
    await throttle.recordFailure(`code-sending:${normalised}`, THROTTLE_RULES.codeSending);
    const code = await codes.issue('verify-email', normalised);
    await messages.sendEmailCode({ to: normalised, code, locale: request.locale });
    await journeys.save(uid, { email: normalised, emailVerified: false });
    return reply.redirect(path(uid, '/create/check-email'), 303);
  }));

  const checkEmailPage = (t: FastifyRequest['t'], email: string) => ({
    pageTitle: t('identity.checkEmail.title'),
    intro: [t('identity.checkEmail.sent', { email }), t('identity.checkEmail.expiry')],
    field: codeField(t, t('identity.checkEmail.label')),
  });

  app.get('/sign-in/:uid/create/check-email', { schema: { params: uidParams } }, step(async (current) => {
    const { t } = current.request;
    if (!current.journey.email) return current.reply.redirect(path(current.uid, '/create/email'), 303);
    return renderQuestion(current, { ...checkEmailPage(t, current.journey.email), links: [{ href: path(current.uid, '/create/email'), text: t('identity.checkEmail.sendAgain') }] });
  }));

  app.post('/sign-in/:uid/create/check-email', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    if (!journey.email) return reply.redirect(path(uid, '/create/email'), 303);
    const page = { ...checkEmailPage(t, journey.email), links: [{ href: path(uid, '/create/email'), text: t('identity.checkEmail.sendAgain') }] };
    const code = field(request.body, 'code').replaceAll(' ', '');
    const key = `email-code:${journey.email}`;
    const status = await throttle.status(key);
    if (status.locked) return renderQuestion(current, { ...page, fieldError: t('identity.securityCode.locked', { minutes: minutesUntil(status.until, clock()) }) });
    if (!/^\d{6}$/.test(code)) return renderQuestion(current, { ...page, fieldError: t(code ? 'identity.securityCode.format' : 'identity.securityCode.missing') });
    if (!(await codes.redeem('verify-email', journey.email, code))) {
      const after = await throttle.recordFailure(key, THROTTLE_RULES.emailCode);
      return renderQuestion(current, {
        ...page,
        fieldError: after.locked
          ? t('identity.securityCode.locked', { minutes: minutesUntil(after.until, clock()) })
          : t('identity.checkEmail.wrong'),
      });
    }
    await throttle.clear(key);
    await journeys.save(uid, { ...journey, emailVerified: true });
    return reply.redirect(path(uid, '/create/password'), 303);
  }));

  const newPasswordPage = (t: FastifyRequest['t']) => ({
    pageTitle: t('identity.password.createTitle'),
    field: { ...passwordField(t, 'new-password', t('identity.password.createHint')), label: t('identity.password.createTitle') },
  });

  app.get('/sign-in/:uid/create/password', { schema: { params: uidParams } }, step(async (current) => {
    if (!current.journey.emailVerified) return current.reply.redirect(path(current.uid, '/create/email'), 303);
    return renderQuestion(current, newPasswordPage(current.request.t));
  }));

  app.post('/sign-in/:uid/create/password', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    if (!journey.emailVerified) return reply.redirect(path(uid, '/create/email'), 303);
    const password = request.body?.password ?? '';
    const problem = checkNewPassword(password);
    if (problem) return renderQuestion(current, { ...newPasswordPage(t), fieldError: t(`identity.password.problem.${problem}`) });
    await journeys.save(uid, { ...journey, passwordHash: await hashPassword(password) });
    return reply.redirect(path(uid, '/create/security-method'), 303);
  }));

  app.get('/sign-in/:uid/create/security-method', { schema: { params: uidParams } }, step(async (current) => {
    if (!current.journey.passwordHash) return current.reply.redirect(path(current.uid, '/create/password'), 303);
    return current.reply.render(`${VIEWS}/choose-method.njk`, { pageTitle: current.request.t('identity.chooseMethod.title') });
  }));

  app.post('/sign-in/:uid/create/security-method', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    if (!journey.passwordHash) return reply.redirect(path(uid, '/create/password'), 303);
    const method = field(request.body, 'method');
    if (method === 'auth-app') return reply.redirect(path(uid, '/create/auth-app'), 303);
    if (method === 'passkey') return reply.redirect(path(uid, '/create/passkey'), 303);
    if (method === 'sms') return reply.redirect(path(uid, '/create/phone'), 303);
    const fieldError = t('identity.chooseMethod.missing');
    return reply.render(`${VIEWS}/choose-method.njk`, {
      pageTitle: t('identity.chooseMethod.title'),
      fieldError,
      errors: [{ text: fieldError, href: '#method' }],
    });
  }));

  async function authAppPage(current: Step, secret: string) {
    const { t } = current.request;
    const page = await describeAuthenticatorAppPage({ t, secret, siteName: app.config.SITE_NAME, email: current.journey.email ?? '' });
    return { ...page, field: codeField(t, t('identity.authApp.label')) };
  }

  app.get('/sign-in/:uid/create/auth-app', { schema: { params: uidParams } }, step(async (current) => {
    const { journey, uid } = current;
    if (!journey.passwordHash) return current.reply.redirect(path(uid, '/create/password'), 303);
    const secret = journey.authAppSecret ?? createAuthenticatorSecret();
    if (!journey.authAppSecret) await journeys.save(uid, { ...journey, authAppSecret: secret });
    return renderQuestion(current, await authAppPage(current, secret));
  }));

  app.post('/sign-in/:uid/create/auth-app', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const { email, passwordHash, authAppSecret } = journey;
    if (!email || !passwordHash || !authAppSecret) return reply.redirect(path(uid, '/create/password'), 303);
    const page = await authAppPage(current, authAppSecret);
    const code = field(request.body, 'code').replaceAll(' ', '');
    if (!/^\d{6}$/.test(code)) return renderQuestion(current, { ...page, fieldError: t(code ? 'identity.securityCode.format' : 'identity.securityCode.missing') });
    const step = await checkAuthenticatorCode(authAppSecret, code);
    if (step === undefined) return renderQuestion(current, { ...page, fieldError: t('identity.securityCode.wrong') });
    if (await accounts.findByEmail(email)) {
      return renderQuestion(current, { ...page, fieldError: t('identity.email.alreadyExists') });
    }
    const account = await request.server.db.transaction().execute(async (transaction) => {
      const created = await accounts.createWithPasswordHash(
        {
          email,
          passwordHash,
          method: { kind: 'auth-app', totp_secret: authAppSecret, totp_last_step: step, phone_number: null, credential_id: null, public_key: null, sign_count: null, transports: null },
        },
        transaction,
      );
      await request.server.audit.record(
        {
          actor: `account:${created.id}`,
          action: 'identity.account.created',
          subject: `account:${created.id}`,
          outcome: 'success',
          requestId: request.id,
          details: { securityMethod: 'auth-app' },
        },
        transaction,
      );
      return created;
    });
    return finish(current, account.id, 'Cl.Cm');
  }));

  // --- Lost the authenticator app: prove the email address, then set up a new app -----------

  app.get('/sign-in/:uid/recover', { schema: { params: uidParams } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    if (!journey.accountId || !journey.email) return reply.redirect(path(uid, '/email'), 303);
    return reply.render(`${VIEWS}/message.njk`, {
      pageTitle: t('identity.recover.title'),
      paragraphs: [t('identity.recover.explain'), t('identity.recover.sendTo', { email: journey.email })],
      form: { action: path(uid, '/recover'), fields: { _csrf: reply.generateCsrf() }, button: t('identity.recover.send'), id: 'send-code' },
    });
  }));

  app.post('/sign-in/:uid/recover', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    if (!journey.accountId || !journey.email) return reply.redirect(path(uid, '/email'), 303);
    const sending = await throttle.status(`code-sending:${journey.email}`);
    if (sending.locked) {
      return reply.render(`${VIEWS}/message.njk`, { pageTitle: t('identity.recover.title'), paragraphs: [t('identity.checkEmail.tooManySent', { minutes: minutesUntil(sending.until, clock()) })] });
    }
    await throttle.recordFailure(`code-sending:${journey.email}`, THROTTLE_RULES.codeSending);
    const code = await codes.issue('recover-security-method', journey.accountId);
    await messages.sendEmailCode({ to: journey.email, code, locale: request.locale });
    return reply.redirect(path(uid, '/recover/check-email'), 303);
  }));

  app.get('/sign-in/:uid/recover/check-email', { schema: { params: uidParams } }, step(async (current) => {
    const { t } = current.request;
    if (!current.journey.accountId || !current.journey.email) return current.reply.redirect(path(current.uid, '/email'), 303);
    return renderQuestion(current, checkEmailPage(t, current.journey.email));
  }));

  app.post('/sign-in/:uid/recover/check-email', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const { accountId, email } = journey;
    if (!accountId || !email) return reply.redirect(path(uid, '/email'), 303);
    const page = checkEmailPage(t, email);
    const code = field(request.body, 'code').replaceAll(' ', '');
    const key = `security-code:${accountId}`;
    const status = await throttle.status(key);
    if (status.locked) return renderQuestion(current, { ...page, fieldError: t('identity.securityCode.locked', { minutes: minutesUntil(status.until, clock()) }) });
    if (!/^\d{6}$/.test(code)) return renderQuestion(current, { ...page, fieldError: t(code ? 'identity.securityCode.format' : 'identity.securityCode.missing') });
    if (!(await codes.redeem('recover-security-method', accountId, code))) {
      const after = await throttle.recordFailure(key, THROTTLE_RULES.securityCode);
      return renderQuestion(current, {
        ...page,
        fieldError: after.locked ? t('identity.securityCode.locked', { minutes: minutesUntil(after.until, clock()) }) : t('identity.checkEmail.wrong'),
      });
    }
    await throttle.clear(key);
    await journeys.save(uid, { ...journey, recoveryVerified: true, authAppSecret: undefined });
    return reply.redirect(path(uid, '/recover/auth-app'), 303);
  }));

  app.get('/sign-in/:uid/recover/auth-app', { schema: { params: uidParams } }, step(async (current) => {
    const { journey, uid } = current;
    if (!journey.recoveryVerified) return current.reply.redirect(path(uid, '/security-code'), 303);
    const secret = journey.authAppSecret ?? createAuthenticatorSecret();
    if (!journey.authAppSecret) await journeys.save(uid, { ...journey, authAppSecret: secret });
    return renderQuestion(current, await authAppPage(current, secret));
  }));

  app.post('/sign-in/:uid/recover/auth-app', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const { accountId, authAppSecret, recoveryVerified } = journey;
    if (!accountId || !authAppSecret || !recoveryVerified) return reply.redirect(path(uid, '/security-code'), 303);
    const page = await authAppPage(current, authAppSecret);
    const code = field(request.body, 'code').replaceAll(' ', '');
    if (!/^\d{6}$/.test(code)) return renderQuestion(current, { ...page, fieldError: t(code ? 'identity.securityCode.format' : 'identity.securityCode.missing') });
    const step = await checkAuthenticatorCode(authAppSecret, code);
    if (step === undefined) return renderQuestion(current, { ...page, fieldError: t('identity.securityCode.wrong') });
    await request.server.db.transaction().execute(async (transaction) => {
      await accounts.replaceAuthenticatorApp(accountId, { secret: authAppSecret, step }, transaction);
      await request.server.audit.record(
        { actor: `account:${accountId}`, action: 'identity.security-method.replaced', subject: `account:${accountId}`, outcome: 'success', requestId: request.id, details: { method: 'auth-app', provedBy: 'email' } },
        transaction,
      );
    });
    if (journey.email) await messages.sendSecurityNotice({ to: journey.email, locale: request.locale, notice: 'authAppReplaced' });
    return finish(current, accountId, 'Cl.Cm');
  }));

  // --- Passkeys: a second factor from the device itself ---------------------------------------

  function renderPasskeyPage(current: Step, input: { ceremony: 'create' | 'get'; options: unknown; fieldError?: string; kinds?: SecurityMethodKind[] }) {
    const { t } = current.request;
    const create = input.ceremony === 'create';
    return current.reply.render(`${VIEWS}/passkey.njk`, {
      pageTitle: t(create ? 'identity.passkey.createTitle' : 'identity.passkey.useTitle'),
      paragraphs: [t(create ? 'identity.passkey.createExplain' : 'identity.passkey.useExplain'), t('identity.passkey.needsJavaScript')],
      button: t(create ? 'identity.passkey.createButton' : 'identity.passkey.useButton'),
      ceremony: input.ceremony,
      // Kept out of the HTML parser's reach: no "<" can close the script element early.
      optionsJson: JSON.stringify(input.options).replaceAll('<', '\\u003c'),
      errors: input.fieldError ? [{ text: input.fieldError, href: '#passkey-button' }] : [],
      links: create
        ? [{ href: path(current.uid, '/create/security-method'), text: t('identity.passkey.chooseAnother') }]
        : securityCodeLinks(current, { method: 'passkey', kinds: input.kinds ?? ['passkey'] }),
    });
  }

  function parseResponse(raw: string | undefined): Record<string, unknown> | undefined {
    try {
      const parsed = JSON.parse(raw ?? '') as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  app.get('/sign-in/:uid/create/passkey', { schema: { params: uidParams } }, step(async (current) => {
    const { journey, uid } = current;
    if (!journey.passwordHash || !journey.email) return current.reply.redirect(path(uid, '/create/password'), 303);
    const options = await passkeys.registrationOptions({ email: journey.email, existing: [] });
    await journeys.save(uid, { ...journey, passkeyChallenge: options.challenge });
    return renderPasskeyPage(current, { ceremony: 'create', options });
  }));

  app.post('/sign-in/:uid/create/passkey', { schema: { params: uidParams, body: passkeyBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const { email, passwordHash, passkeyChallenge } = journey;
    if (!email || !passwordHash || !passkeyChallenge) return reply.redirect(path(uid, '/create/password'), 303);
    const response = parseResponse(request.body?.response);
    const passkey = response && (await passkeys.verifyRegistration(response, passkeyChallenge));
    if (!passkey) {
      const options = await passkeys.registrationOptions({ email, existing: [] });
      await journeys.save(uid, { ...journey, passkeyChallenge: options.challenge });
      return renderPasskeyPage(current, { ceremony: 'create', options, fieldError: t('identity.passkey.failed') });
    }
    if (await accounts.findByEmail(email)) return reply.redirect(path(uid, '/create/email'), 303);
    const account = await request.server.db.transaction().execute(async (transaction) => {
      const created = await accounts.createWithPasswordHash(
        { email, passwordHash, method: { kind: 'passkey', totp_secret: null, totp_last_step: null, phone_number: null, ...passkey } },
        transaction,
      );
      await request.server.audit.record(
        { actor: `account:${created.id}`, action: 'identity.account.created', subject: `account:${created.id}`, outcome: 'success', requestId: request.id, details: { securityMethod: 'passkey' } },
        transaction,
      );
      return created;
    });
    return finish(current, account.id, 'Cl.Cm');
  }));

  app.get('/sign-in/:uid/passkey', { schema: { params: uidParams } }, step(async (current) => {
    const { journey, uid } = current;
    if (!journey.accountId) return current.reply.redirect(path(uid, '/email'), 303);
    const methods = await accounts.listMethods(journey.accountId);
    const stored = methods.filter((method) => method.kind === 'passkey');
    if (stored.length === 0) return current.reply.redirect(path(uid, '/security-code'), 303);
    const options = await passkeys.authenticationOptions(stored);
    await journeys.save(uid, { ...journey, passkeyChallenge: options.challenge, securityMethod: 'passkey' });
    return renderPasskeyPage(current, { ceremony: 'get', options, kinds: signInMethodsOf(methods).kinds });
  }));

  app.post('/sign-in/:uid/passkey', { schema: { params: uidParams, body: passkeyBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const { accountId, passkeyChallenge } = journey;
    if (!accountId || !passkeyChallenge) return reply.redirect(path(uid, '/email'), 303);
    const key = `security-code:${accountId}`;
    const methods = await accounts.listMethods(accountId);
    const stored = methods.filter((method) => method.kind === 'passkey');
    const retry = async (fieldError: string) => {
      const options = await passkeys.authenticationOptions(stored);
      await journeys.save(uid, { ...journey, passkeyChallenge: options.challenge });
      return renderPasskeyPage(current, { ceremony: 'get', options, fieldError, kinds: signInMethodsOf(methods).kinds });
    };
    const status = await throttle.status(key);
    if (status.locked) return retry(t('identity.securityCode.locked', { minutes: minutesUntil(status.until, clock()) }));
    const response = parseResponse(request.body?.response);
    const verified = response && (await passkeys.verifyAuthentication(response, passkeyChallenge, stored));
    if (!verified) {
      await throttle.recordFailure(key, THROTTLE_RULES.securityCode);
      return retry(t('identity.passkey.failed'));
    }
    const method = stored.find((candidate) => candidate.credential_id === verified.credentialId);
    if (method) await accounts.recordPasskeyUse(method.id, verified.newCounter);
    await throttle.clear(key);
    return finish(current, accountId, 'Cl.Cm');
  }));

  // --- Forgotten password: a code to the email address, then a new password -----------------

  app.get('/sign-in/:uid/reset-password', { schema: { params: uidParams } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    if (!journey.email) return reply.redirect(path(uid, '/email'), 303);
    return reply.render(`${VIEWS}/message.njk`, {
      pageTitle: t('identity.resetPassword.title'),
      paragraphs: [t('identity.recover.sendTo', { email: journey.email })],
      form: { action: path(uid, '/reset-password'), fields: { _csrf: reply.generateCsrf() }, button: t('identity.recover.send'), id: 'send-code' },
    });
  }));

  app.post('/sign-in/:uid/reset-password', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const { email } = journey;
    if (!email) return reply.redirect(path(uid, '/email'), 303);
    const sending = await throttle.status(`code-sending:${email}`);
    if (sending.locked) {
      return reply.render(`${VIEWS}/message.njk`, { pageTitle: t('identity.resetPassword.title'), paragraphs: [t('identity.checkEmail.tooManySent', { minutes: minutesUntil(sending.until, clock()) })] });
    }
    await throttle.recordFailure(`code-sending:${email}`, THROTTLE_RULES.codeSending);
    // Sent only if the account exists; the page is the same either way.
    if (await accounts.findByEmail(email)) {
      await messages.sendEmailCode({ to: email, code: await codes.issue('reset-password', email), locale: request.locale });
    }
    return reply.redirect(path(uid, '/reset-password/check-email'), 303);
  }));

  app.get('/sign-in/:uid/reset-password/check-email', { schema: { params: uidParams } }, step(async (current) => {
    if (!current.journey.email) return current.reply.redirect(path(current.uid, '/email'), 303);
    return renderQuestion(current, checkEmailPage(current.request.t, current.journey.email));
  }));

  app.post('/sign-in/:uid/reset-password/check-email', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const { email } = journey;
    if (!email) return reply.redirect(path(uid, '/email'), 303);
    const page = checkEmailPage(t, email);
    const code = field(request.body, 'code').replaceAll(' ', '');
    const key = `email-code:${email}`;
    const status = await throttle.status(key);
    if (status.locked) return renderQuestion(current, { ...page, fieldError: t('identity.securityCode.locked', { minutes: minutesUntil(status.until, clock()) }) });
    if (!/^\d{6}$/.test(code)) return renderQuestion(current, { ...page, fieldError: t(code ? 'identity.securityCode.format' : 'identity.securityCode.missing') });
    if (!(await codes.redeem('reset-password', email, code))) {
      const after = await throttle.recordFailure(key, THROTTLE_RULES.emailCode);
      return renderQuestion(current, { ...page, fieldError: after.locked ? t('identity.securityCode.locked', { minutes: minutesUntil(after.until, clock()) }) : t('identity.checkEmail.wrong') });
    }
    await throttle.clear(key);
    await journeys.save(uid, { ...journey, passwordResetVerified: true });
    return reply.redirect(path(uid, '/reset-password/new'), 303);
  }));

  app.get('/sign-in/:uid/reset-password/new', { schema: { params: uidParams } }, step(async (current) => {
    if (!current.journey.passwordResetVerified) return current.reply.redirect(path(current.uid, '/reset-password'), 303);
    return renderQuestion(current, newPasswordPage(current.request.t));
  }));

  app.post('/sign-in/:uid/reset-password/new', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const account = journey.email && journey.passwordResetVerified ? await accounts.findByEmail(journey.email) : undefined;
    if (!account) return reply.redirect(path(uid, '/reset-password'), 303);
    const password = request.body?.password ?? '';
    const problem = checkNewPassword(password);
    if (problem) return renderQuestion(current, { ...newPasswordPage(t), fieldError: t(`identity.password.problem.${problem}`) });
    await request.server.db.transaction().execute(async (transaction) => {
      await accounts.changePassword(account.id, password, transaction);
      await request.server.audit.record(
        { actor: `account:${account.id}`, action: 'identity.password.changed', subject: `account:${account.id}`, outcome: 'success', requestId: request.id, details: { provedBy: 'email' } },
        transaction,
      );
    });
    await throttle.clear(`password:${account.id}:${request.ip}`);
    // The password is proved; the second factor is still needed before going back to the service.
    await journeys.save(uid, { ...journey, accountId: account.id, passwordResetVerified: false });
    if (levelOf(current.details) === 'Cl') return finish(current, account.id, 'Cl');
    return reply.redirect(path(uid, '/security-code'), 303);
  }));

  // --- Text messages: a code sent to a mobile phone -----------------------------------------

  function lastDigits(phoneNumber: string): string {
    return phoneNumber.slice(-4);
  }

  /** Sends a code by text message unless too many were sent; returns the lock, if any. */
  async function sendSmsCode(current: Step, input: { purpose: 'verify-phone' | 'sign-in-sms'; recipient: string; phoneNumber: string }) {
    const key = `code-sending:${input.phoneNumber}`;
    const sending = await throttle.status(key);
    if (sending.locked) return sending;
    await throttle.recordFailure(key, THROTTLE_RULES.codeSending);
    const code = await codes.issue(input.purpose, input.recipient);
    await messages.sendSmsCode({ to: input.phoneNumber, code, locale: current.request.locale });
    return undefined;
  }

  const phonePage = (t: FastifyRequest['t'], value?: string) => ({
    pageTitle: t('identity.phone.title'),
    field: { name: 'phone', type: 'tel', autocomplete: 'tel', value, hint: t('identity.phone.hint'), classes: 'govuk-input--width-20' },
  });

  app.get('/sign-in/:uid/create/phone', { schema: { params: uidParams } }, step(async (current) => {
    if (!current.journey.passwordHash) return current.reply.redirect(path(current.uid, '/create/password'), 303);
    return renderQuestion(current, phonePage(current.request.t, current.journey.phoneNumber));
  }));

  app.post('/sign-in/:uid/create/phone', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    if (!journey.passwordHash || !journey.email) return reply.redirect(path(uid, '/create/password'), 303);
    const given = field(request.body, 'phone');
    const phoneNumber = normaliseUkMobile(given);
    if (!phoneNumber) return renderQuestion(current, { ...phonePage(t, given), fieldError: t(given ? 'identity.phone.invalid' : 'identity.phone.missing') });
    const locked = await sendSmsCode(current, { purpose: 'verify-phone', recipient: phoneNumber, phoneNumber });
    if (locked) return renderQuestion(current, { ...phonePage(t, given), fieldError: t('identity.checkEmail.tooManySent', { minutes: minutesUntil(locked.until, clock()) }) });
    await journeys.save(uid, { ...journey, phoneNumber });
    return reply.redirect(path(uid, '/create/check-phone'), 303);
  }));

  const checkPhonePage = (t: FastifyRequest['t'], phoneNumber: string) => ({
    pageTitle: t('identity.checkPhone.title'),
    intro: [t('identity.checkPhone.sent', { digits: lastDigits(phoneNumber) }), t('identity.checkEmail.expiry')],
    field: codeField(t, t('identity.checkEmail.label')),
  });

  app.get('/sign-in/:uid/create/check-phone', { schema: { params: uidParams } }, step(async (current) => {
    const { journey, uid } = current;
    if (!journey.phoneNumber) return current.reply.redirect(path(uid, '/create/phone'), 303);
    return renderQuestion(current, { ...checkPhonePage(current.request.t, journey.phoneNumber), links: [{ href: path(uid, '/create/phone'), text: current.request.t('identity.checkPhone.sendAgain') }] });
  }));

  app.post('/sign-in/:uid/create/check-phone', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    const { email, passwordHash, phoneNumber } = journey;
    if (!email || !passwordHash || !phoneNumber) return reply.redirect(path(uid, '/create/phone'), 303);
    const page = { ...checkPhonePage(t, phoneNumber), links: [{ href: path(uid, '/create/phone'), text: current.request.t('identity.checkPhone.sendAgain') }] };
    const code = field(request.body, 'code').replaceAll(' ', '');
    const key = `phone-code:${phoneNumber}`;
    const status = await throttle.status(key);
    if (status.locked) return renderQuestion(current, { ...page, fieldError: t('identity.securityCode.locked', { minutes: minutesUntil(status.until, clock()) }) });
    if (!/^\d{6}$/.test(code)) return renderQuestion(current, { ...page, fieldError: t(code ? 'identity.securityCode.format' : 'identity.securityCode.missing') });
    if (!(await codes.redeem('verify-phone', phoneNumber, code))) {
      const after = await throttle.recordFailure(key, THROTTLE_RULES.securityCode);
      return renderQuestion(current, { ...page, fieldError: after.locked ? t('identity.securityCode.locked', { minutes: minutesUntil(after.until, clock()) }) : t('identity.checkEmail.wrong') });
    }
    await throttle.clear(key);
    if (await accounts.findByEmail(email)) return reply.redirect(path(uid, '/create/email'), 303);
    const account = await request.server.db.transaction().execute(async (transaction) => {
      const created = await accounts.createWithPasswordHash(
        { email, passwordHash, method: { kind: 'sms', phone_number: phoneNumber, totp_secret: null, totp_last_step: null, credential_id: null, public_key: null, sign_count: null, transports: null } },
        transaction,
      );
      await request.server.audit.record(
        { actor: `account:${created.id}`, action: 'identity.account.created', subject: `account:${created.id}`, outcome: 'success', requestId: request.id, details: { securityMethod: 'sms' } },
        transaction,
      );
      return created;
    });
    return finish(current, account.id, 'Cl.Cm');
  }));

  /**
   * Sign in with a text message: texts a code to the account's phone the first time the page is
   * shown in this journey, then asks for it. Showing it again (a reload, the back button, a
   * browser that fetches pages ahead) texts nothing; a new code is asked for with a button.
   */
  app.get('/sign-in/:uid/text-message', { schema: { params: uidParams } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    const { t } = request;
    if (!journey.accountId) return reply.redirect(path(uid, '/email'), 303);
    const { kinds, phoneNumber } = signInMethodsOf(await accounts.listMethods(journey.accountId));
    if (!phoneNumber) return reply.redirect(path(uid, '/security-code'), 303);
    const texted = { accountId: journey.accountId, phoneNumber };
    const alreadyTexted = journey.signInCodeTexted?.accountId === texted.accountId && journey.signInCodeTexted.phoneNumber === phoneNumber;
    const locked = alreadyTexted ? undefined : await sendSmsCode(current, { purpose: 'sign-in-sms', recipient: journey.accountId, phoneNumber });
    await journeys.save(uid, { ...journey, securityMethod: 'sms', signInCodeTexted: locked ? undefined : texted });
    return renderQuestion(current, {
      pageTitle: t('identity.securityCode.title'),
      intro: [t('identity.checkPhone.sent', { digits: lastDigits(phoneNumber) }), t('identity.checkEmail.expiry')],
      field: codeField(t, t('identity.securityCode.label')),
      action: path(uid, '/security-code'),
      ...(locked ? { fieldError: t('identity.checkEmail.tooManySent', { minutes: minutesUntil(locked.until, clock()) }) } : {}),
      links: securityCodeLinks(current, { method: 'sms', kinds }),
    });
  }));

  function renderTextAgain(current: Step, input: { phoneNumber: string; error?: string }) {
    const { t } = current.request;
    return current.reply.render(`${VIEWS}/message.njk`, {
      pageTitle: t('identity.textAgain.title'),
      paragraphs: [t('identity.textAgain.explain', { digits: lastDigits(input.phoneNumber) })],
      errors: input.error ? [{ text: input.error, href: '#send-code' }] : [],
      form: { action: path(current.uid, '/text-message/send-again'), fields: { _csrf: current.reply.generateCsrf() }, button: t('identity.textAgain.send'), id: 'send-code' },
    });
  }

  app.get('/sign-in/:uid/text-message/send-again', { schema: { params: uidParams } }, step(async (current) => {
    const { journey, uid, reply } = current;
    if (!journey.accountId) return reply.redirect(path(uid, '/email'), 303);
    const { phoneNumber } = signInMethodsOf(await accounts.listMethods(journey.accountId));
    if (!phoneNumber) return reply.redirect(path(uid, '/security-code'), 303);
    return renderTextAgain(current, { phoneNumber });
  }));

  app.post('/sign-in/:uid/text-message/send-again', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    if (!journey.accountId) return reply.redirect(path(uid, '/email'), 303);
    const { phoneNumber } = signInMethodsOf(await accounts.listMethods(journey.accountId));
    if (!phoneNumber) return reply.redirect(path(uid, '/security-code'), 303);
    const locked = await sendSmsCode(current, { purpose: 'sign-in-sms', recipient: journey.accountId, phoneNumber });
    if (locked) {
      return renderTextAgain(current, { phoneNumber, error: request.t('identity.checkEmail.tooManySent', { minutes: minutesUntil(locked.until, clock()) }) });
    }
    await journeys.save(uid, { ...journey, securityMethod: 'sms', signInCodeTexted: { accountId: journey.accountId, phoneNumber } });
    return reply.redirect(path(uid, '/text-message'), 303);
  }));

  // --- Another way to get the security code: one of the account's other methods -------------

  function renderMethodChoice(current: Step, input: { kinds: SecurityMethodKind[]; phoneNumber?: string; fieldError?: string }) {
    const { t } = current.request;
    const methodNow = methodInUse(current.journey, input.kinds);
    const labels: Record<SecurityMethodKind, string> = {
      'auth-app': t('identity.otherMethod.authApp'),
      sms: t('identity.otherMethod.sms', { digits: lastDigits(input.phoneNumber ?? '') }),
      passkey: t('identity.otherMethod.passkey'),
    };
    return current.reply.render(`${VIEWS}/security-code-method.njk`, {
      pageTitle: t('identity.otherMethod.title'),
      items: input.kinds.filter((kind) => kind !== methodNow).map((kind) => ({ value: kind, text: labels[kind] })),
      fieldError: input.fieldError,
      errors: input.fieldError ? [{ text: input.fieldError, href: '#method' }] : [],
      links: [{ href: path(current.uid, '/recover'), text: t('identity.otherMethod.cannotUseAny') }],
    });
  }

  app.get('/sign-in/:uid/security-code-method', { schema: { params: uidParams } }, step(async (current) => {
    const { journey, uid, reply } = current;
    if (!journey.accountId) return reply.redirect(path(uid, '/email'), 303);
    const { kinds, phoneNumber } = signInMethodsOf(await accounts.listMethods(journey.accountId));
    if (kinds.length < 2) return reply.redirect(path(uid, '/security-code'), 303);
    return renderMethodChoice(current, { kinds, phoneNumber });
  }));

  app.post('/sign-in/:uid/security-code-method', { schema: { params: uidParams, body: formBody } }, step(async (current) => {
    const { request, reply, journey, uid } = current;
    if (!journey.accountId) return reply.redirect(path(uid, '/email'), 303);
    const { kinds, phoneNumber } = signInMethodsOf(await accounts.listMethods(journey.accountId));
    const chosen = kinds.find((kind) => kind === field(request.body, 'method'));
    if (!chosen && kinds.length < 2) return reply.redirect(path(uid, '/security-code'), 303);
    if (!chosen) return renderMethodChoice(current, { kinds, phoneNumber, fieldError: request.t('identity.otherMethod.missing') });
    // Choosing text messages (again) is asking for a code: the page texts a new one.
    await journeys.save(uid, { ...journey, securityMethod: chosen, signInCodeTexted: chosen === 'sms' ? undefined : journey.signInCodeTexted });
    return reply.redirect(path(uid, METHOD_STEPS[chosen]), 303);
  }));
}
