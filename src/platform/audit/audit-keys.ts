import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import type { Config } from '../config/config.schema.ts';

/** The setting an audit key comes from, so `audit verify` can say which key made what. */
export type AuditKeySource = 'AUDIT_KEY' | 'AUDIT_KEY_PREVIOUS' | 'ENCRYPTION_KEY' | 'ENCRYPTION_KEY_PREVIOUS';

export type AuditKey = {
  /** Names the key without giving it away; stored with every keyed event and checkpoint. */
  id: string;
  source: AuditKeySource;
  /**
   * The HMAC key of events. A KeyObject, imported once: createHmac imports a Buffer key again on
   * every call, which costs several times the MAC itself.
   */
  eventKey: KeyObject;
  /** The HMAC key of checkpoints: a MAC of one kind never passes for the other. */
  checkpointKey: KeyObject;
};

export type AuditKeyRing = {
  /** Makes every new event and checkpoint. */
  current: AuditKey;
  /** The current key and every earlier one, for checking what they made. */
  find(id: string): AuditKey | undefined;
};

// A salt of its own: the same root secret gives audit keys unrelated to its secret-box keys.
const SALT = 'civitas-audit-trail';

function derive(rootKey: string, label: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', rootKey, SALT, label, length));
}

export function deriveAuditKey(rootKey: string, source: AuditKeySource): AuditKey {
  return {
    id: derive(rootKey, 'key id', 6).toString('base64url'),
    source,
    eventKey: createSecretKey(derive(rootKey, 'event mac', 32)),
    checkpointKey: createSecretKey(derive(rootKey, 'checkpoint mac', 32)),
  };
}

type RootKey = { rootKey: string; source: AuditKeySource };

/** `current` makes; it and every earlier key check. A root key given twice keeps its first source. */
export function createAuditKeyRing(roots: { current: RootKey; earlier: readonly RootKey[] }): AuditKeyRing {
  const current = deriveAuditKey(roots.current.rootKey, roots.current.source);
  const keysById = new Map<string, AuditKey>([[current.id, current]]);
  for (const { rootKey, source } of roots.earlier) {
    const key = deriveAuditKey(rootKey, source);
    if (!keysById.has(key.id)) keysById.set(key.id, key);
  }
  return { current, find: (id) => keysById.get(id) };
}

/**
 * AUDIT_KEY when set, otherwise a key derived from ENCRYPTION_KEY; the earlier values of both
 * still check what they made, so neither rotation leaves old events unverifiable.
 */
export function auditKeyRingOf(
  config: Pick<Config, 'AUDIT_KEY' | 'AUDIT_KEY_PREVIOUS' | 'ENCRYPTION_KEY' | 'ENCRYPTION_KEY_PREVIOUS'>,
): AuditKeyRing {
  const encryptionKey: RootKey = { rootKey: config.ENCRYPTION_KEY, source: 'ENCRYPTION_KEY' };
  const hasAuditKey = config.AUDIT_KEY !== '';
  return createAuditKeyRing({
    current: hasAuditKey ? { rootKey: config.AUDIT_KEY, source: 'AUDIT_KEY' } : encryptionKey,
    earlier: [
      ...config.AUDIT_KEY_PREVIOUS.map((rootKey) => ({ rootKey, source: 'AUDIT_KEY_PREVIOUS' as const })),
      ...(hasAuditKey ? [encryptionKey] : []),
      ...config.ENCRYPTION_KEY_PREVIOUS.map((rootKey) => ({ rootKey, source: 'ENCRYPTION_KEY_PREVIOUS' as const })),
    ],
  });
}
