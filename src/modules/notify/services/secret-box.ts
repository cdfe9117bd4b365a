import { createDecipheriv, hkdfSync } from 'node:crypto';
import { SecretBoxError, type SecretBoxes } from '../../../platform/secrets/secret-box.ts';

/**
 * Seals the secrets Notify must read back (API key secrets, which verify HS256 tokens, and
 * callback bearer tokens) with the kernel's secret box, under ENCRYPTION_KEY.
 */
export type SecretBox = {
  seal(plain: string): string;
  open(sealed: string): string;
  /** Also opens the legacy format: for reseal-secrets.ts only. */
  openForResealing(stored: string): string;
  currentPrefix: string;
};

const NOTIFY_SECRET_PURPOSE = 'notify-secret';

/**
 * Values sealed before the kernel's box, as `v1.<iv>.<ciphertext>.<tag>` under a key derived from
 * COOKIE_SECRET. Opened only so that start-up seals them again under ENCRYPTION_KEY
 * (reseal-secrets.ts); once a start-up has done so, COOKIE_SECRET can be rotated.
 */
const LEGACY_PREFIX = 'v1.';

function createLegacyOpener(cookieSecret: string): (sealed: string) => string {
  const key = Buffer.from(hkdfSync('sha256', cookieSecret, 'civitas-notify', 'notify secrets at rest', 32));
  return (sealed) => {
    const [, iv, encrypted, tag, extra] = sealed.split('.');
    if (!iv || encrypted === undefined || !tag || extra !== undefined) throw new SecretBoxError('The value is not a sealed secret');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('The sealed secret does not open');
    }
  };
}

export function createNotifySecretBox(input: { secrets: SecretBoxes; cookieSecret: string }): SecretBox {
  const box = input.secrets.forPurpose(NOTIFY_SECRET_PURPOSE);
  const openLegacy = createLegacyOpener(input.cookieSecret);
  return {
    seal: (plain) => box.seal(plain),
    open: (sealed) => box.open(sealed),
    openForResealing: (stored) => (stored.startsWith(LEGACY_PREFIX) ? openLegacy(stored) : box.open(stored)),
    currentPrefix: box.currentPrefix,
  };
}
