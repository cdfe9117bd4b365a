import type { FastifyInstance } from 'fastify';

/**
 * What this provider can vouch for, at the URL every ID token's `vtm` names, in GOV.UK One
 * Login's form: `idp` and `trustmark_provider` the issuer as written, `C` the credential levels
 * (`Cl`, `Cl.Cm`), `P` the levels of identity confidence. Civitas proves no identities, so `P`
 * is only `P0`, where GOV.UK One Login lists the P levels it proves.
 */
export function registerTrustmark(app: FastifyInstance, issuer: string): void {
  app.get('/trustmark', async () => ({
    idp: issuer,
    trustmark_provider: issuer,
    C: ['Cl', 'Cl.Cm'],
    P: ['P0'],
  }));
}
