import type { FastifyReply, FastifyRequest } from 'fastify';

const FLASH_COOKIE = 'civitas_account_flash';
/** Long enough for the redirect that follows the form; a banner never seen is not kept for later. */
const FLASH_SECONDS = 5 * 60;

/** What a success banner on an account page says: a message key and its parameters, shown once. */
export type Flash = { key: string; parameters?: Record<string, string> };

/**
 * The one-time message a page shows after a form succeeded and redirected to it (post/redirect/get):
 * kept in a signed cookie until the next account page takes it, so a reload shows the page without it.
 */
export function setFlash(reply: FastifyReply, flash: Flash): void {
  const secure = reply.server.config.BASE_URL.startsWith('https://');
  reply.setCookie(FLASH_COOKIE, JSON.stringify(flash), { path: '/account', httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: FLASH_SECONDS });
}

/** The flash set for this browser, if any, which is then gone. Only keys under `prefix` are taken. */
export function takeFlash(request: FastifyRequest, reply: FastifyReply, prefix: string): Flash | undefined {
  const cookie = request.cookies[FLASH_COOKIE];
  if (!cookie) return undefined;
  reply.clearCookie(FLASH_COOKIE, { path: '/account' });
  const unsigned = request.unsignCookie(cookie);
  if (!unsigned.valid || !unsigned.value) return undefined;
  try {
    const flash = JSON.parse(unsigned.value) as { key?: unknown; parameters?: unknown };
    if (typeof flash.key !== 'string' || !flash.key.startsWith(prefix)) return undefined;
    const parameters = flash.parameters && typeof flash.parameters === 'object' ? Object.fromEntries(Object.entries(flash.parameters).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {};
    return { key: flash.key, parameters };
  } catch {
    return undefined;
  }
}
