import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encrypts the secrets Notify must be able to read back (API key secrets, which verify HS256
 * tokens, and callback bearer tokens) with AES-256-GCM under a key derived from COOKIE_SECRET.
 * A copy of the database alone does not give them away.
 */
export type SecretBox = { seal(plain: string): string; open(sealed: string): string };

const VERSION = 'v1';

export function createSecretBox(rootSecret: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', rootSecret, 'civitas-notify', 'notify secrets at rest', 32));
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const encrypted = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), encrypted.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, encrypted, tag] = sealed.split('.');
      if (version !== VERSION || !iv || encrypted === undefined || !tag) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
