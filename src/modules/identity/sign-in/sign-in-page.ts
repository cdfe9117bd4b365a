import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { PageContext } from '../../../platform/http/views.ts';
import type { AccountService } from '../accounts/account.service.ts';
import type { CodePurpose, OneTimeCodes } from '../codes/one-time-codes.ts';
import { FORM_FIELD_CAP } from '../account/signed-in-page.ts';
import { DEVICE_COOKIE, DEVICE_COOKIE_DAYS, type KnownDevices } from '../devices/known-devices.ts';
import type { IdentityMessages } from '../messages/identity-messages.ts';
import type { Passkeys } from '../passkeys/passkeys.ts';
import type { ProviderHolder } from '../provider/provider-holder.ts';
import { parseRequestedLevel, type CredentialLevel } from '../provider/vectors-of-trust.ts';
import type { EmailCodeBudget } from '../security/email-code-budget.ts';
import type { TextBudget } from '../security/text-budget.ts';
import { firstLock, THROTTLE_RULES, type Throttle, type ThrottleRule } from '../security/throttle.ts';
import { advance, isIn, pageOf, type Journey, type JourneyState, type StateName, type StateNamed } from './journey/journey.ts';
import { startJourney, type Journeys } from './journey/journeys.ts';

export type SignInDependencies = {
  providers: ProviderHolder;
  passkeys: Passkeys;
  accounts: AccountService;
  journeys: Journeys;
  codes: OneTimeCodes;
  throttle: Throttle;
  textBudget: TextBudget;
  emailCodeBudget: EmailCodeBudget;
  messages: IdentityMessages;
  knownDevices: KnownDevices;
  clock: () => Date;
  siteName: string;
};

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;
type PageRequest = FastifyRequest<{ Params: { uid: string }; Body: Record<string, string | undefined> }>;

export const SHARED_VIEWS = 'modules/identity/sign-in/views';

/** One request to one page of the journey, in a state the page accepts. */
export type PageStep<N extends StateName> = {
  request: PageRequest;
  reply: FastifyReply;
  t: FastifyRequest['t'];
  dependencies: SignInDependencies;
  details: InteractionDetails;
  journey: Journey & { state: StateNamed<N> };
  /** This journey's address for a page: `href('/password')`. */
  href(rest?: string): string;
  /** A trimmed field of the form posted. */
  field(name: string): string;
  /** Moves the journey to `state` (if the machine allows it) and sends the person to its page. */
  moveTo(state: JourneyState): Promise<FastifyReply>;
  /** Keeps a change within the same state (a challenge sent, a choice made). */
  update(state: StateNamed<N>): Promise<void>;
  /** Takes the passkey challenge out of the journey, once: false if another request took it first. */
  consumePasskeyChallenge(challenge: string): Promise<boolean>;
  /** Continues as `next`, a new journey about a new identity (see startJourney), and sends the person to its page. */
  begin(next: Journey): Promise<FastifyReply>;
  /** Forgets everything this journey proved: the person is about to name another identity. */
  restart(): Promise<void>;
  /** One question on a page; its error, if any, in the summary too. */
  renderQuestion(context: QuestionContext): FastifyReply;
  /** A page of paragraphs, with a one-button form when `form` is given. */
  renderMessage(context: MessageContext): FastifyReply;
  /** A page template of its own, with the journey's id for its form. */
  render(template: string, context: PageContext): FastifyReply;
  /** The credential level the service asked for. */
  level(): CredentialLevel;
  /** Signs the person in to the service at `level`, proved with `proof` past the password, and ends the journey. */
  finish(accountId: string, level: CredentialLevel, proof?: SecondFactorProof): Promise<FastifyReply>;
};

/** What proved the person past their password: a security method, or an emailed code that replaced one. */
export type SecondFactorProof = 'sms' | 'auth-app' | 'passkey' | 'email-recovery';

/**
 * The sign-in's `amr` (RFC 8176), which the ID token carries: a relying party that needs more than
 * a text message (the console's operators' pages) reads how this very sign-in was made, not which
 * methods the account has now.
 */
export function authenticationMethodsOf(level: CredentialLevel, proof: SecondFactorProof | undefined): string[] {
  if (level === 'Cl' || proof === undefined) return ['pwd'];
  return { sms: ['pwd', 'sms'], 'auth-app': ['pwd', 'otp'], passkey: ['pwd', 'hwk'], 'email-recovery': ['pwd', 'mca'] }[proof];
}

/** What a page's helpers may use: everything of a step but its state. */
export type PageTools = Omit<PageStep<StateName>, 'journey' | 'update'>;

export type QuestionContext = PageContext & { field: Record<string, unknown>; fieldError?: string };
export type MessageContext = PageContext & { paragraphs: string[]; form?: { action: string; button: string; id: string }; error?: { text: string; href: string } };

export type PageDefinition<N extends StateName> = {
  /** After `/sign-in/:uid`; '' for the first page. */
  path: string;
  /** The states this page may be shown and posted in; any other is sent to where the journey is. */
  states: readonly N[] | 'any';
  /** The pages where an email address is entered start a new journey, so they take a form from any. */
  startsJourney?: boolean;
  /**
   * The previous page of the journey, for the back link (after `/sign-in/:uid`): a page that
   * takes the state the journey is in, so going back is never sent straight forward again. When
   * no earlier page can take it (a fact proved cannot be unproved), the page where the email
   * address is entered, which starts the journey again. None on the first page.
   */
  back?: string | ((state: StateNamed<N>) => string);
  /**
   * Largest field the page's form takes, in characters (FORM_FIELD_CAP unless given): only a
   * backstop, since each page checks its fields' own limits and states them on the field.
   */
  maxFieldLength?: number;
  get?(step: PageStep<N>): Promise<unknown>;
  post?(step: PageStep<N>): Promise<unknown>;
};

/** Keeps the types of each page's states while the pages are listed together. */
export function definePage<const N extends StateName>(page: PageDefinition<N>): PageDefinition<N> {
  return page;
}

const uidParams = {
  type: 'object',
  properties: { uid: { type: 'string', pattern: '^[A-Za-z0-9_-]{10,64}$' } },
  required: ['uid'],
} as const;

function formBody(maxLength: number) {
  return { type: 'object', additionalProperties: { type: 'string', maxLength } } as const;
}

export function minutesUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
}

/**
 * A page of a sign-in the provider no longer has: one that finished (the person came back to a
 * code page and sent the same code again, say), or one that timed out. Each says so in words.
 */
async function renderExpired(request: FastifyRequest, reply: FastifyReply, finished: () => Promise<boolean>) {
  const { t } = request;
  if (await finished()) {
    return reply.code(400).render(`${SHARED_VIEWS}/message.njk`, {
      pageTitle: t('identity.finished.title'),
      paragraphs: [t('identity.finished.explain'), t('identity.finished.again')],
    });
  }
  return reply.code(400).render(`${SHARED_VIEWS}/message.njk`, {
    pageTitle: t('identity.expired.title'),
    paragraphs: [t('identity.expired.explain'), t('identity.expired.again')],
  });
}

/**
 * Registers a page of the journey. Every request first finds the provider's interaction for this
 * browser (its cookie binds the interaction to the browser) and the journey; a page the journey
 * has not reached sends the person to where the journey is, and a form from another journey
 * (another identity, or one before it) is not acted on.
 */
export function registerPage<N extends StateName>(app: FastifyInstance, dependencies: SignInDependencies, page: PageDefinition<N>): void {
  const url = `/sign-in/:uid${page.path}`;
  const handle = (handler: (step: PageStep<N>) => Promise<unknown>, method: 'GET' | 'POST') =>
    async (request: PageRequest, reply: FastifyReply) => {
      const provider = await dependencies.providers.current();
      let details: InteractionDetails;
      const finished = () => dependencies.journeys.hasFinished(request.params.uid);
      try {
        details = await provider.interactionDetails(request.raw, reply.raw);
      } catch {
        return renderExpired(request, reply, finished);
      }
      if (details.uid !== request.params.uid) return renderExpired(request, reply, finished);
      const uid = details.uid;
      const journey = await dependencies.journeys.load(uid);
      const href = (rest = '') => `/sign-in/${uid}${rest}`;
      const whereTheJourneyIs = () => reply.redirect(href(pageOf(journey.state)), 303);
      if (page.states !== 'any' && !isIn(journey, page.states)) return whereTheJourneyIs();
      if (method === 'POST' && !page.startsJourney && (request.body?.journey ?? '') !== journey.id) return whereTheJourneyIs();
      const typedJourney = journey as PageStep<N>['journey'];
      const back = typeof page.back === 'function' ? page.back(typedJourney.state) : page.back;
      const backLink = back === undefined ? undefined : href(back);
      const step = createStep<N>({ request, reply, dependencies, details, journey: typedJourney, provider, href, backLink });
      return handler(step);
    };
  if (page.get) app.get(url, { schema: { params: uidParams } }, handle(page.get, 'GET'));
  if (page.post) {
    app.post(url, { schema: { params: uidParams, body: formBody(page.maxFieldLength ?? FORM_FIELD_CAP) } }, handle(page.post, 'POST'));
  }
}

function createStep<N extends StateName>(input: {
  request: PageRequest;
  reply: FastifyReply;
  dependencies: SignInDependencies;
  details: InteractionDetails;
  journey: PageStep<N>['journey'];
  provider: Provider;
  href: (rest?: string) => string;
  backLink: string | undefined;
}): PageStep<N> {
  const { request, reply, dependencies, details, journey, provider, href, backLink } = input;
  const { journeys, accounts, clock } = dependencies;
  const uid = details.uid;
  const render = (template: string, context: PageContext) => reply.render(template, { journeyId: journey.id, backLink, ...context });

  const step: PageStep<N> = {
    request,
    reply,
    t: request.t,
    dependencies,
    details,
    journey,
    href,
    field: (name) => (request.body?.[name] ?? '').trim(),
    async moveTo(state) {
      const next = advance(journey, state);
      await journeys.save(uid, next);
      return reply.redirect(href(pageOf(next.state)), 303);
    },
    async update(state) {
      await journeys.save(uid, { id: journey.id, state });
    },
    consumePasskeyChallenge(challenge) {
      return journeys.consumePasskeyChallenge(uid, challenge);
    },
    async begin(next) {
      await journeys.save(uid, next);
      return reply.redirect(href(pageOf(next.state)), 303);
    },
    async restart() {
      await journeys.save(uid, startJourney({ name: 'started' }));
    },
    renderQuestion(context) {
      const errors = context.fieldError ? [{ text: context.fieldError, href: `#${String(context.field.name)}` }] : [];
      // A form shown again with its errors is a normal page (200), as on GOV.UK services.
      return render(`${SHARED_VIEWS}/question.njk`, { errors, ...context });
    },
    renderMessage(context) {
      const { form, error, ...rest } = context;
      return render(`${SHARED_VIEWS}/message.njk`, {
        ...rest,
        errors: error ? [error] : [],
        form: form && { ...form, fields: { _csrf: reply.generateCsrf(), journey: journey.id } },
      });
    },
    render,
    level() {
      return parseRequestedLevel(details.params.vtr as string | undefined, ['Cl', 'Cl.Cm']) ?? 'Cl.Cm';
    },
    async finish(accountId, level, proof) {
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
      await recogniseDevice(request, reply, dependencies, accountId);
      const redirectTo = await provider.interactionResult(
        request.raw,
        reply.raw,
        {
          login: {
            accountId,
            acr: level,
            amr: authenticationMethodsOf(level, proof),
            remember: true,
            ts: Math.floor(clock().getTime() / 1000),
          },
        },
        { mergeWithLastSubmission: false },
      );
      await journeys.end(uid);
      return reply.redirect(redirectTo, 303);
    },
  };
  return step;
}

/**
 * Remembers this browser for the account (its device cookie, kept for 400 days) and, when the
 * account asked for it, emails the person when it signs in from a browser that has no cookie of
 * an earlier sign-in to it.
 */
async function recogniseDevice(request: PageRequest, reply: FastifyReply, dependencies: SignInDependencies, accountId: string): Promise<void> {
  const { knownDevices, accounts, messages } = dependencies;
  const stored = request.cookies[DEVICE_COOKIE];
  const unsigned = stored ? request.unsignCookie(stored) : undefined;
  const { deviceId, isNew } = await knownDevices.recordSignIn(accountId, unsigned?.valid ? (unsigned.value ?? undefined) : undefined);
  reply.setCookie(DEVICE_COOKIE, deviceId, {
    path: '/sign-in',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.server.config.BASE_URL.startsWith('https://'),
    signed: true,
    maxAge: DEVICE_COOKIE_DAYS * 86_400,
  });
  if (!isNew || !(await knownDevices.wantsNewDeviceNotice(accountId))) return;
  const account = await accounts.findById(accountId);
  if (account) await messages.sendSecurityNotice({ to: account.email, locale: request.locale, notice: 'newDeviceSignIn' });
}

export const codeField = (t: FastifyRequest['t'], label: string) => ({
  name: 'code',
  label,
  autocomplete: 'one-time-code',
  inputmode: 'numeric',
  classes: 'govuk-input--width-10',
});

/**
 * Checks the six-digit code typed into the form with `verify`, counting each try under
 * `throttleKey` before it is checked (and calling `onWrong` for a wrong one). Returns the error
 * to show, or undefined when the code was right.
 */
export async function checkTypedCode(
  step: PageTools,
  input: { verify(code: string): Promise<boolean>; throttleKey: string; rule?: ThrottleRule; wrongMessage?: string; onWrong?(locked: boolean): Promise<void> },
): Promise<string | undefined> {
  const { t, dependencies } = step;
  const { throttle, clock } = dependencies;
  const rule = input.rule ?? THROTTLE_RULES.securityCode;
  const lockedMessage = (until: Date) => t('identity.securityCode.locked', { minutes: minutesUntil(until, clock()) });
  const code = step.field('code').replaceAll(' ', '');
  const status = await throttle.status(input.throttleKey);
  if (status.locked) return lockedMessage(status.until);
  if (!/^\d{6}$/.test(code)) return t(code ? 'identity.securityCode.format' : 'identity.securityCode.missing');
  const attempt = await throttle.attempt(input.throttleKey, rule);
  if (!attempt.allowed) return lockedMessage(attempt.until);
  if (!(await input.verify(code))) {
    const lock = firstLock(attempt.after);
    await input.onWrong?.(lock !== undefined);
    return lock ? lockedMessage(lock.until) : t(input.wrongMessage ?? 'identity.checkEmail.wrong');
  }
  await throttle.clear(input.throttleKey);
  return undefined;
}

type EmailedCode = {
  purpose: CodePurpose;
  email: string;
  journeyId: string;
  /** What the code will prove (see codeRecipient). */
  recipient: string;
  /**
   * Whether the mailbox's own budget is spent too: it is for codes anyone who knows the address
   * may ask for, and not for codes asked for after the account's password was given.
   */
  chargeMailbox?: boolean;
};

/**
 * Emails a code for `purpose` to `email`, unless a budget it draws on is spent (see
 * createEmailCodeBudget); returns the error to show if so.
 */
export async function emailCode(step: PageTools, input: EmailedCode): Promise<string | undefined> {
  const locked = await spendEmailCode(step, input);
  if (locked) return locked;
  await sendSpentEmailCode(step, input);
  return undefined;
}

/** Emails a code whose budget `spendEmailCode` has spent already. */
export async function sendSpentEmailCode(step: PageTools, input: Omit<EmailedCode, 'journeyId' | 'chargeMailbox'>): Promise<void> {
  const { codes, messages } = step.dependencies;
  const code = await codes.issue(input.purpose, input.recipient);
  await messages.sendEmailCode({ to: input.email, code, locale: step.request.locale });
}

/**
 * Spends one emailed code from the budgets, whether or not one is then sent: a page that sends a
 * code only sometimes (when an account has the address, or the password is right) spends the
 * same either way, so it tells nobody which it was. Returns the error to show when a budget is spent.
 */
export async function spendEmailCode(step: PageTools, input: Pick<EmailedCode, 'email' | 'journeyId' | 'chargeMailbox'>): Promise<string | undefined> {
  const { emailCodeBudget, clock } = step.dependencies;
  const request = { requestedBy: `journey:${input.journeyId}`, ...(input.chargeMailbox === false ? {} : { unprovedMailbox: input.email }) };
  const locked = await emailCodeBudget.spend(request, step.request.ip);
  return locked ? step.t('identity.checkEmail.tooManySent', { minutes: minutesUntil(locked.until, clock()) }) : undefined;
}

/**
 * Wrong emailed codes are counted per journey: a code proves something only in the journey it was
 * sent in, so guesses there cannot reach it from anywhere else, and cannot lock anyone else out.
 */
export const emailCodeGuessesKey = (journey: Journey) => `email-code-guesses:${journey.id}`;

/** A check of a code sent for `purpose` to `recipient` (see codeRecipient): right once, within its lifetime. */
export function sentCode(step: PageTools, purpose: CodePurpose, recipient: string) {
  return (code: string) => step.dependencies.codes.redeem(purpose, recipient, code);
}

/**
 * What a code sent in this journey proves: the subject (an address or an account) within this
 * journey only, so a code sent in one journey proves nothing in another.
 */
export function codeRecipient(journey: Journey, subject: string): string {
  return `${journey.id} ${subject}`;
}
