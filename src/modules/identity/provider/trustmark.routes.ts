import type { FastifyInstance } from 'fastify';

/** What this provider can vouch for, at the URL every ID token's `vtm` names. */
export function registerTrustmark(app: FastifyInstance): void {
  app.get('/trustmark', async () => ({
    idp: app.config.BASE_URL,
    trustmark_provider: app.config.BASE_URL,
    C: ['Cl', 'Cm'],
    P: ['P0'],
  }));
}
