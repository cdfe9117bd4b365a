import { randomBytes } from 'node:crypto';

// @simplewebauthn/server takes about 25 MB: loaded when the first passkey is used, not at start.
const webauthn = () => import('@simplewebauthn/server');
type AuthenticatorTransportFuture = 'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb';
import type { SecurityMethodRow } from '../accounts/account.store.ts';

/** A passkey as kept with the account: only public material. */
export type StoredPasskey = Pick<SecurityMethodRow, 'credential_id' | 'public_key' | 'sign_count' | 'transports'>;

/**
 * Passkeys (WebAuthn) as a second factor, with @simplewebauthn/server. The relying party is this
 * Civitas: its id is BASE_URL's host, and only pages at BASE_URL's origin may use the passkeys.
 */
export function createPasskeys(options: { baseUrl: string; siteName: string }) {
  const origin = new URL(options.baseUrl).origin;
  const rpID = new URL(options.baseUrl).hostname;

  return {
    async registrationOptions(input: { email: string; existing: readonly StoredPasskey[] }) {
      return (await webauthn()).generateRegistrationOptions({
        rpName: options.siteName,
        rpID,
        userName: input.email,
        userID: randomBytes(32),
        attestationType: 'none',
        excludeCredentials: input.existing.flatMap((passkey) => (passkey.credential_id ? [{ id: passkey.credential_id }] : [])),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
    },

    /** The passkey to keep, if the browser's response answers the challenge. */
    async verifyRegistration(response: unknown, expectedChallenge: string): Promise<StoredPasskey | undefined> {
      try {
        const result = await (await webauthn()).verifyRegistrationResponse({
          response: response as never,
          expectedChallenge,
          expectedOrigin: origin,
          expectedRPID: rpID,
          requireUserVerification: false,
        });
        if (!result.verified || !result.registrationInfo) return undefined;
        const { credential } = result.registrationInfo;
        return {
          credential_id: credential.id,
          public_key: Buffer.from(credential.publicKey).toString('base64url'),
          sign_count: credential.counter,
          transports: JSON.stringify(credential.transports ?? []),
        };
      } catch {
        return undefined;
      }
    },

    async authenticationOptions(passkeys: readonly StoredPasskey[]) {
      return (await webauthn()).generateAuthenticationOptions({
        rpID,
        userVerification: 'preferred',
        allowCredentials: passkeys.flatMap((passkey) =>
          passkey.credential_id
            ? [{ id: passkey.credential_id, transports: JSON.parse(passkey.transports ?? '[]') as AuthenticatorTransportFuture[] }]
            : [],
        ),
      });
    },

    /** The passkey used and its new signature counter, if the response proves possession. */
    async verifyAuthentication(
      response: { id?: unknown },
      expectedChallenge: string,
      passkeys: readonly StoredPasskey[],
    ): Promise<{ credentialId: string; newCounter: number } | undefined> {
      const passkey = passkeys.find((candidate) => candidate.credential_id === response.id);
      if (!passkey?.credential_id || !passkey.public_key) return undefined;
      try {
        const result = await (await webauthn()).verifyAuthenticationResponse({
          response: response as never,
          expectedChallenge,
          expectedOrigin: origin,
          expectedRPID: rpID,
          requireUserVerification: false,
          credential: {
            id: passkey.credential_id,
            publicKey: new Uint8Array(Buffer.from(passkey.public_key, 'base64url')),
            counter: passkey.sign_count ?? 0,
            transports: JSON.parse(passkey.transports ?? '[]') as AuthenticatorTransportFuture[],
          },
        });
        return result.verified ? { credentialId: passkey.credential_id, newCounter: result.authenticationInfo.newCounter } : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
