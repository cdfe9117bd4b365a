import type { FastifyReply } from 'fastify';

/**
 * One CSRF token for the whole page. On a browser's first visit there is no CSRF secret yet, and
 * each `generateCsrf()` makes a new one: a page with two forms (continue and cancel) would get
 * a token in its first form that the final cookie no longer matches. Pass this as `csrfToken`
 * in the page's context. (The kernel's `reply.render` could do the same for every module.)
 */
export function createPageCsrfToken(reply: FastifyReply): () => string {
  let token: string | undefined;
  return () => {
    token ??= reply.generateCsrf();
    return token;
  };
}
