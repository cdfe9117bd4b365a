import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encrypts the secrets Civitas must read back (signing keys, authenticator-app secrets, webhook
 * and API-key secrets) with AES-256-GCM, so a copy of the database alone does not give them away.
 *
 * Each use has its own purpose, and so its own key derived (HKDF) from ENCRYPTION_KEY: one
 * module's ciphertext does not open as another's. A sealed value reads
 * `sealed1.<key id>.<iv>.<ciphertext>.<tag>`; the key id names the ENCRYPTION_KEY that sealed it,
 * so values sealed under a key listed in ENCRYPTION_KEY_PREVIOUS still open after a rotation.
 */
export type SecretBox = {
  seal(plain: string): string;
  /** Throws SecretBoxError unless the value was sealed for this purpose under a known key. */
  open(sealed: string): string;
  /**
   * Bytes (a message body, say) sealed the same way. `boundTo` names what they belong to (a
   * record's id): they open only with the same words, so a sealed value copied onto another record
   * does not open there.
   */
  sealBytes(plain: Uint8Array, boundTo?: string): string;
  /** Throws SecretBoxError unless the bytes were sealed for this purpose, under a known key, bound to the same words. */
  openBytes(sealed: string, boundTo?: string): Buffer;
  isSealed(stored: string): boolean;
  /**
   * A stored value as plain text: opened if sealed, or taken as it is if it was written in
   * clear before secrets were sealed.
   */
  openOrAcceptClear(stored: string): string;
  /** True for a value in clear, or sealed under a previous key: store it again, sealed. */
  needsResealing(stored: string): boolean;
  /**
   * How every value sealed under the current key begins, so a query can find the stored values
   * that need resealing without reading the rest.
   */
  currentPrefix: string;
};

export type SecretBoxes = {
  /** The box for one purpose, such as `identity-signing-key`. */
  forPurpose(purpose: string): SecretBox;
};

export type EncryptionKeys = {
  /** Seals and opens. */
  current: string;
  /** Only open, for values sealed before a rotation. */
  previous?: readonly string[];
};

export class SecretBoxError extends Error {
  readonly code = 'SECRET_NOT_OPENED';
  override readonly name = 'SecretBoxError';
}

const FORMAT = 'sealed1';
const SALT = 'civitas-secret-box';

function identifyKey(rootKey: string): string {
  return Buffer.from(hkdfSync('sha256', rootKey, SALT, 'key id', 6)).toString('base64url');
}

function deriveKey(rootKey: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', rootKey, SALT, `purpose:${purpose}`, 32));
}

function describeHeader(keyId: string, purpose: string, boundTo?: string): Buffer {
  return Buffer.from(boundTo === undefined ? `${FORMAT}.${keyId}.${purpose}` : `${FORMAT}.${keyId}.${purpose}\n${boundTo}`);
}

export function createSecretBox(input: { keys: EncryptionKeys; purpose: string }): SecretBox {
  const { purpose } = input;
  if (!/^[a-z0-9-]+$/.test(purpose)) throw new Error(`A secret box purpose is lower-case words and dashes, not ${purpose}`);
  const currentKeyId = identifyKey(input.keys.current);
  const keysById = new Map<string, Buffer>();
  for (const rootKey of [input.keys.current, ...(input.keys.previous ?? [])]) {
    const keyId = identifyKey(rootKey);
    if (!keysById.has(keyId)) keysById.set(keyId, deriveKey(rootKey, purpose));
  }
  const currentKey = keysById.get(currentKeyId) as Buffer;

  function isSealed(stored: string): boolean {
    return stored.startsWith(`${FORMAT}.`);
  }

  function openBytes(sealed: string, boundTo?: string): Buffer {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== FORMAT) throw new SecretBoxError('The value is not a sealed secret');
    const [, keyId, iv, encrypted, tag] = parts;
    const key = keysById.get(keyId);
    if (!key) throw new SecretBoxError('The secret was sealed under a key that is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS');
    try {
      // A fixed tag length: GCM would otherwise accept a shortened tag, which is easier to forge.
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
      decipher.setAAD(describeHeader(keyId, purpose, boundTo));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64url')), decipher.final()]);
    } catch {
      throw new SecretBoxError('The sealed secret does not open: changed, or sealed for another purpose');
    }
  }

  function sealBytes(plain: Uint8Array, boundTo?: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
    cipher.setAAD(describeHeader(currentKeyId, purpose, boundTo));
    const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT, currentKeyId, iv.toString('base64url'), encrypted.toString('base64url'), tag.toString('base64url')].join('.');
  }

  const open = (sealed: string): string => openBytes(sealed).toString('utf8');

  return {
    seal: (plain) => sealBytes(Buffer.from(plain, 'utf8')),
    open,
    sealBytes,
    openBytes,
    isSealed,
    openOrAcceptClear: (stored) => (isSealed(stored) ? open(stored) : stored),
    needsResealing: (stored) => !stored.startsWith(`${FORMAT}.${currentKeyId}.`),
    currentPrefix: `${FORMAT}.${currentKeyId}.`,
  };
}

export function createSecretBoxes(keys: EncryptionKeys): SecretBoxes {
  const boxes = new Map<string, SecretBox>();
  return {
    forPurpose(purpose) {
      let box = boxes.get(purpose);
      if (!box) {
        box = createSecretBox({ keys, purpose });
        boxes.set(purpose, box);
      }
      return box;
    },
  };
}

const boxesByConfig = new WeakMap<object, SecretBoxes>();

/**
 * The boxes of a configuration, one set per configuration object, so the kernel and code that
 * only holds `app.config` share them.
 */
export function secretBoxesOf(config: { ENCRYPTION_KEY: string; ENCRYPTION_KEY_PREVIOUS: readonly string[] }): SecretBoxes {
  let boxes = boxesByConfig.get(config);
  if (!boxes) {
    boxes = createSecretBoxes({ current: config.ENCRYPTION_KEY, previous: config.ENCRYPTION_KEY_PREVIOUS });
    boxesByConfig.set(config, boxes);
  }
  return boxes;
}
