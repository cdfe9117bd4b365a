import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountService } from '../accounts/account.service.ts';
import type { WebSessions } from './web-sessions.ts';

export const SESSION_COOKIE = 'civitas_account';
export const CONFIRM_PASSWORD_PATH = '/account/confirm-password';

export type Form = { Body: Record<string, string | undefined> };
/**
 * Far past anything a person types: each page checks its own fields' limits and says them on the
 * field (a GOV.UK error message), so the schema's cap is only a backstop and never what a person meets.
 */
export const FORM_FIELD_CAP = 100_000;
export const formBody = { type: 'object', additionalProperties: { type: 'string', maxLength: FORM_FIELD_CAP } } as const;

type PageRequest<T> = FastifyRequest<T extends Form ? T : object>;
/** `sessionKey`: the key in this browser's session cookie, for what is kept with its session. */
type PageHandler<T> = (context: { request: PageRequest<T>; reply: FastifyReply; accountId: string; email: string; sessionKey: string }) => Promise<unknown>;

/** Where a page may send the person back to after they confirm their password: only account pages. */
export function isAccountPagePath(path: string | undefined): path is string {
  return typeof path === 'string' && /^\/account(\/[a-z0-9-]+)*$/.test(path);
}

/** Wraps account page handlers so only a signed-in person reaches them. */
export function createPageGuards(dependencies: { accounts: AccountService; webSessions: WebSessions }) {
  const { accounts, webSessions } = dependencies;

  async function signedIn(request: FastifyRequest) {
    const sessionKey = request.cookies[SESSION_COOKIE];
    const session = await webSessions.find(sessionKey);
    if (!session || !sessionKey) return undefined;
    const account = await accounts.findById(session.account_id);
    return account && { session, sessionKey, account };
  }

  function guard(needsRecentSignIn: boolean) {
    /**
     * `returnTo`: the page to come back to after the password, when this route has no page of its own.
     * `signInFirst`: someone signed out signs in and comes back to this page (a page others link to).
     */
    return <T extends Form | object>(handler: PageHandler<T>, options: { returnTo?: string; signInFirst?: boolean } = {}) =>
      async (request: PageRequest<T>, reply: FastifyReply) => {
        const current = await signedIn(request);
        if (!current) return reply.redirect(options.signInFirst ? `/account/sign-in-again?next=${encodeURIComponent(request.url.split('?')[0] ?? '')}` : '/account/sign-in', 303);
        if (needsRecentSignIn && !webSessions.isRecent(current.session)) {
          const next = options.returnTo ?? request.url.split('?')[0] ?? '/account';
          return reply.redirect(`${CONFIRM_PASSWORD_PATH}?next=${encodeURIComponent(next)}`, 303);
        }
        return handler({ request, reply, accountId: current.account.id, email: current.account.email, sessionKey: current.sessionKey });
      };
  }

  return {
    /** Runs the page for a signed-in person; anyone else is sent to sign in first. */
    signedInPage: guard(false),
    /** As signedInPage, and the person signed in (or entered their password) in the last few minutes. */
    recentSignInPage: guard(true),
  };
}
