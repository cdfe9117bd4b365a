import type { SecurityMethodKind } from '../../accounts/account.store.ts';

/**
 * The sign-in journey as a state machine: what a person has proved between a service's "Sign in"
 * button and going back to it, for one authorization request.
 *
 * A journey is about one identity: the email address entered on its first page. Every fact a
 * state holds was proved for that identity (the account a password was checked for, the address
 * a code went to, the phone a text went to), so a state can only be acted on as a whole. Entering
 * an email address again, on either email page, starts a new journey with a new id and nothing
 * proved; no fact from an earlier identity survives, and forms shown for the earlier journey are
 * refused (each carries its journey's id).
 */
export type Journey = {
  /** New for every identity; every form of the journey carries it. */
  id: string;
  state: JourneyState;
};

/** Sign in with a security code: which way the person chose, and what has been sent or asked. */
export type SecurityCodeProgress = {
  /** The way to get a code the person chose, if not the account's first; checked against the account on use. */
  method?: SecurityMethodKind;
  /** The phone a code was texted to in this state (showing the page again texts nothing). */
  textedTo?: string;
  /** The WebAuthn challenge last sent, until it is answered once. */
  passkeyChallenge?: string;
};

/** Create an account: the way to get security codes being set up. */
export type NewSecurityMethod = {
  /** The authenticator secret shown, until a code from the app proves it. */
  authAppSecret?: string;
  /** The mobile number a code was texted to, until the code proves it. */
  phoneNumber?: string;
  /** The WebAuthn challenge last sent, until it is answered once. */
  passkeyChallenge?: string;
};

export type JourneyState =
  | { name: 'started' }
  // Sign in
  | { name: 'sign-in:email-entered'; email: string; emailProvedForPassword?: boolean }
  | { name: 'sign-in:password-check-code-sent'; email: string; accountId: string }
  | ({
      name: 'sign-in:password-proved';
      email: string;
      accountId: string;
      /**
       * How: the password itself, or a code emailed for a forgotten one. A journey that proved
       * only the email address cannot use it again to replace the security method: that would
       * make the mailbox alone enough to take the account.
       */
      passwordProvedBy: 'password' | 'email';
      /**
       * When. A security code proved later in this journey shows the password is its owner's
       * only if no reset by email came after this (see AccountService.provedSecondFactor).
       * Absent in a journey saved before it was kept: then the code proves nothing of the kind.
       */
      passwordProvedAt?: string;
    } & SecurityCodeProgress)
  // Forgotten password. `accountId` is absent when no account has the address: nothing was sent.
  | { name: 'reset:code-sent'; email: string; accountId?: string }
  | { name: 'reset:email-proved'; email: string; accountId: string }
  // Lost every way to get a security code: prove the email address, set up a new app.
  | { name: 'recover:code-sent'; email: string; accountId: string }
  | { name: 'recover:email-proved'; email: string; accountId: string; authAppSecret?: string }
  // Create an account
  | { name: 'create:code-sent'; email: string }
  | { name: 'create:email-proved'; email: string }
  | ({ name: 'create:password-chosen'; email: string; passwordHash: string } & NewSecurityMethod);

export type StateName = JourneyState['name'];
export type StateNamed<N extends StateName> = Extract<JourneyState, { name: N }>;

/**
 * The transitions each state may make. Starting again with an email address is always allowed
 * and makes a new journey (see `startJourneyFor`), so it is not listed.
 */
export const TRANSITIONS: { readonly [N in StateName]: readonly StateName[] } = {
  started: [],
  'sign-in:email-entered': ['sign-in:password-check-code-sent', 'sign-in:password-proved', 'reset:code-sent'],
  'sign-in:password-check-code-sent': ['sign-in:password-check-code-sent', 'sign-in:email-entered'],
  'sign-in:password-proved': ['sign-in:password-proved', 'recover:code-sent'],
  'reset:code-sent': ['reset:code-sent', 'reset:email-proved', 'sign-in:password-check-code-sent', 'sign-in:password-proved'],
  'reset:email-proved': ['sign-in:password-proved'],
  'recover:code-sent': ['recover:code-sent', 'recover:email-proved'],
  'recover:email-proved': ['recover:email-proved'],
  'create:code-sent': ['create:code-sent', 'create:email-proved'],
  'create:email-proved': ['create:password-chosen'],
  'create:password-chosen': ['create:password-chosen'],
};

export class JourneyTransitionError extends Error {
  constructor(from: StateName, to: StateName) {
    super(`the sign-in journey cannot go from ${from} to ${to}`);
  }
}

/** The journey after a transition; throws if the machine does not allow it (a bug, not bad input). */
export function advance(journey: Journey, next: JourneyState): Journey {
  if (!TRANSITIONS[journey.state.name].includes(next.name)) throw new JourneyTransitionError(journey.state.name, next.name);
  assertSameIdentity(journey.state, next);
  return { id: journey.id, state: next };
}

/** Facts move from state to state only within one identity: the email address, and the account once known. */
function assertSameIdentity(from: JourneyState, to: JourneyState): void {
  const emailOf = (state: JourneyState) => ('email' in state ? state.email : undefined);
  const accountOf = (state: JourneyState) => ('accountId' in state ? state.accountId : undefined);
  if (emailOf(from) !== emailOf(to)) throw new Error('a journey keeps one email address');
  const [fromAccount, toAccount] = [accountOf(from), accountOf(to)];
  if (fromAccount !== undefined && toAccount !== undefined && fromAccount !== toAccount) throw new Error('a journey keeps one account');
}

/** Whether the journey is in one of the named states, narrowing its type. */
export function isIn<const N extends StateName>(journey: Journey, names: readonly N[]): journey is Journey & { state: StateNamed<N> } {
  return (names as readonly StateName[]).includes(journey.state.name);
}

/** Where each state waits for the person: the page a request for a page not reached is sent to. */
export function pageOf(state: JourneyState): string {
  switch (state.name) {
    case 'started':
      return '';
    case 'sign-in:email-entered':
      return '/password';
    case 'sign-in:password-check-code-sent':
      return '/password/check-email';
    case 'sign-in:password-proved':
      return state.method === 'sms' ? '/text-message' : state.method === 'passkey' ? '/passkey' : '/security-code';
    case 'reset:code-sent':
      return '/reset-password/check-email';
    case 'reset:email-proved':
      return '/reset-password/new';
    case 'recover:code-sent':
      return '/recover/check-email';
    case 'recover:email-proved':
      return '/recover/auth-app';
    case 'create:code-sent':
      return '/create/check-email';
    case 'create:email-proved':
      return '/create/password';
    case 'create:password-chosen':
      return '/create/security-method';
  }
}
