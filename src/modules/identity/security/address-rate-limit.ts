import type { FastifyInstance } from 'fastify';
import { clientAddressKey } from '../../../platform/http/client-address.ts';
import { THROTTLE_RULES, type Throttle } from './throttle.ts';

/**
 * Limits how many forms one client address (IPv6 by /64) may submit a minute, across every process (the
 * counts are in the database). Reading pages is not limited; automated form posting is.
 */
export function limitFormsByAddress(context: FastifyInstance, throttle: Throttle): void {
  context.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const key = `forms-from:${clientAddressKey(request.ip)}`;
    const attempt = await throttle.attempt(key, THROTTLE_RULES.formsFromAddress);
    if (!attempt.allowed) {
      const seconds = Math.max(1, Math.ceil((attempt.until.getTime() - Date.now()) / 1000));
      reply.header('retry-after', String(seconds));
      return reply.code(429).render('modules/identity/sign-in/views/message.njk', {
        pageTitle: request.t('identity.tooManyRequests.title'),
        paragraphs: [request.t('identity.tooManyRequests.explain')],
      });
    }
  });
}
