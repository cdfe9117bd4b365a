import type { Config } from '../../../platform/config/config.schema.ts';

/**
 * The provider's issuer, written exactly as configured: `ONE_LOGIN_ISSUER` when set, else
 * BASE_URL. GOV.UK One Login's issuer ends in `/` (`https://oidc.account.gov.uk/`), so a service
 * moving to Civitas can keep an issuer of that form: ONE_LOGIN_ISSUER may be BASE_URL or BASE_URL
 * followed by `/`, nothing else, since the provider's endpoints are at BASE_URL. The same text is
 * in discovery, every token's `iss`, the trustmark, and the audiences accepted from services.
 */
export function oneLoginIssuerOf(config: Pick<Config, 'BASE_URL'> & { ONE_LOGIN_ISSUER?: string }): string {
  const configured = config.ONE_LOGIN_ISSUER;
  if (!configured) return config.BASE_URL;
  if (configured !== config.BASE_URL && configured !== `${config.BASE_URL}/`) {
    throw new Error('ONE_LOGIN_ISSUER must be BASE_URL, or BASE_URL followed by /');
  }
  return configured;
}

/** Where the trustmark is, which every ID token's `vtm` names: `/trustmark` at the issuer's origin. */
export function trustmarkUrlOf(issuer: string): string {
  return new URL('/trustmark', issuer).href;
}
