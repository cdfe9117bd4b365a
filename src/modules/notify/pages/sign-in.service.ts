import { createHash, randomBytes } from 'node:crypto';
import type { NotifyCore } from '../notify.core.ts';
import { ServiceAdminError } from '../services/service.service.ts';
import { checkEmailAddress, normaliseEmailAddress } from '../templates/recipients.ts';

/**
 * Sign-in for the service-team pages until One Login can do it: an operator prints a one-time
 * link for a team member (`civitas notify sign-in-link --email ...`); following it and pressing
 * the button creates a server-side session (only its hash is stored) held in an HttpOnly cookie.
 * Replace `createSignInLink` with One Login and keep the session check as it is.
 */
export const SESSION_COOKIE = 'civitas_notify_session';
const LINK_LIFETIME_MS = 15 * 60 * 1000;
export const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;

function hash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** How a team member appears in the audit trail: a stable pseudonym, not their address. */
export function describeMemberActor(emailAddress: string): string {
  return `notify-team-member:${hash(normaliseEmailAddress(emailAddress)).slice(0, 16)}`;
}

export async function createSignInLink(core: NotifyCore, input: { emailAddress: string; actor: string }): Promise<string> {
  const email = checkEmailAddress(input.emailAddress);
  if (!email.ok) throw new ServiceAdminError('INVALID_EMAIL', email.message);
  const address = normaliseEmailAddress(email.value);
  const services = await core.serviceAdmin.listServiceIdsForMember(address);
  if (services.length === 0) throw new ServiceAdminError('NOT_A_MEMBER', 'That address is not a team member of any service');
  const token = randomBytes(32).toString('base64url');
  const now = core.clock();
  await core.db.transaction().execute(async (transaction) => {
    await core.stores.sessions.insertSignInToken(transaction, {
      tokenHash: hash(token),
      emailAddress: address,
      expiresAt: new Date(now.getTime() + LINK_LIFETIME_MS).toISOString(),
    });
    await core.audit.record(
      { actor: input.actor, action: 'notify.sign-in-link.created', subject: describeMemberActor(address), outcome: 'success' },
      transaction,
    );
  });
  // In the query string, which the request log leaves out, never in the path.
  return `${core.baseUrl}/notify/sign-in?token=${token}`;
}

export async function isSignInLinkUsable(core: NotifyCore, token: string): Promise<boolean> {
  return (await core.stores.sessions.findUsableSignInToken(core.db, hash(token), core.clock().toISOString())) !== undefined;
}

/** Uses the link (once) and opens a session; returns the session's secret for the cookie. */
export async function signIn(core: NotifyCore, token: string, requestId: string): Promise<string | undefined> {
  const now = core.clock();
  return core.db.transaction().execute(async (transaction) => {
    const email = await core.stores.sessions.useSignInToken(transaction, hash(token), now.toISOString());
    if (!email) return undefined;
    const sessionId = randomBytes(32).toString('base64url');
    await core.stores.sessions.insertSession(transaction, {
      idHash: hash(sessionId),
      emailAddress: email,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString(),
    });
    await core.audit.record(
      { actor: describeMemberActor(email), action: 'notify.team-member.signed-in', subject: 'notify-pages', outcome: 'success', requestId },
      transaction,
    );
    return sessionId;
  });
}

export async function findSignedInEmail(core: NotifyCore, sessionId: string | undefined): Promise<string | undefined> {
  if (!sessionId || sessionId.length > 100) return undefined;
  const session = await core.stores.sessions.findSession(core.db, hash(sessionId), core.clock().toISOString());
  return session?.email_address;
}

export async function signOut(core: NotifyCore, sessionId: string | undefined): Promise<void> {
  if (sessionId) await core.stores.sessions.deleteSession(core.db, hash(sessionId));
}
