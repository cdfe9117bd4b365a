import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { AccountService } from '../accounts/account.service.ts';
import { issuedValueOf } from './signed-access-tokens.ts';

/**
 * What the provider may say about an account. The ID token carries `vot` (the credential level
 * reached), `vtm` (where the trustmark is) and `at_hash`; userinfo carries email and phone.
 */
export function createFindAccount(options: { accounts: AccountService; trustmarkUrl: string }) {
  return async (ctx: KoaContextWithOIDC, accountId: string): Promise<Account | undefined> => {
    const account = await options.accounts.findById(accountId);
    if (!account) return undefined;
    return {
      accountId,
      async claims(use) {
        // The phone number is only ever a userinfo claim: the token endpoint does not look it up.
        // As GOV.UK One Login's: phone_number only while the person gets their codes by text,
        // phone_number_verified true then and false otherwise (with the phone scope).
        const phoneNumber = use === 'userinfo' ? await options.accounts.phoneNumberOf(accountId) : undefined;
        const phoneClaims = phoneNumber ? { phone_number: phoneNumber, phone_number_verified: true } : use === 'userinfo' ? { phone_number_verified: false } : {};
        const idTokenClaims =
          use === 'id_token'
            ? {
                vot: ctx.oidc.entities.AuthorizationCode?.acr ?? ctx.oidc.session?.acr,
                vtm: options.trustmarkUrl,
                // oidc-provider hashes this into at_hash when it signs the ID token.
                at_hash: issuedValueOf(ctx.oidc.entities.AccessToken),
              }
            : {};
        return {
          sub: accountId,
          email: account.email,
          email_verified: true,
          ...phoneClaims,
          ...idTokenClaims,
        };
      },
    };
  };
}
