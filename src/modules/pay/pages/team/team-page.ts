import type { FastifyReply, FastifyRequest } from 'fastify';
import { mayChange, teamMemberOf } from '../../../../platform/http/team-access.ts';
import { createPageCsrfToken } from '../csrf-token.ts';

/** The Pay account of a team page, in the mode (test or live payments) the page shows. */
export type TeamAccount = { accountId: string; accountName: string; live: boolean };

declare module 'fastify' {
  interface FastifyRequest {
    /** The Pay account of the team page (Pay team pages only). */
    payTeam: TeamAccount | null;
  }
}

export const VIEWS = 'modules/pay/pages/team';
/** Where an account's team pages are, in a mode: under /console, where the console's sign-in reaches. */
export const BASE = '/console/pay/:accountId/:mode(test|live)';

export function baseOf(request: FastifyRequest): string {
  const { accountId, mode } = request.params as { accountId: string; mode: string };
  return `/console/pay/${accountId}/${mode}`;
}

/** The account and mode a team page reads and changes, as Pay's services take it. */
export function ownerOf(request: FastifyRequest): { accountId: string; live: boolean } {
  const team = request.payTeam as TeamAccount;
  return { accountId: team.accountId, live: team.live };
}

export const text = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** What every team page shows: the console's navigation, the account and its mode, and what the member may do. */
export function teamContext(request: FastifyRequest, reply: FastifyReply, current: 'transactions' | 'webhooks') {
  const { t } = request;
  const team = request.payTeam as TeamAccount;
  const member = teamMemberOf(request);
  const base = baseOf(request);
  const otherMode = team.live ? 'test' : 'live';
  return {
    serviceName: member.console.name,
    serviceUrl: member.console.href,
    navigation: [
      { href: member.home.href, text: member.home.text },
      { href: `${base}/transactions`, text: t('pay.team.nav.transactions'), active: current === 'transactions' },
      { href: `${base}/webhooks`, text: t('pay.team.nav.webhooks'), active: current === 'webhooks' },
    ],
    team: {
      name: team.accountName,
      mode: team.live ? t('pay.team.live') : t('pay.team.test'),
      live: team.live,
      switchTo: { href: `/console/pay/${team.accountId}/${otherMode}/${current}`, text: t(`pay.team.switchTo.${otherMode}`) },
    },
    base,
    mayChange: mayChange(member),
    csrfToken: createPageCsrfToken(reply),
  };
}
