import { createHmac, randomBytes } from 'node:crypto';
import type { Executor } from '../../../platform/db/database.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { createWebhookSecretStore } from './webhook-secret.store.ts';

/** The header a delivery's signature is in: `sha256=` and the hex HMAC-SHA256 of the exact body. */
export const SIGNATURE_HEADER = 'civitas-signature';

export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Each form's webhook signing secret: made once, kept sealed, read back to sign and to show its team. */
export function createWebhookSecrets(dependencies: { db: Executor; secrets: SecretBoxes; clock?: () => Date }) {
  const box = dependencies.secrets.forPurpose('forms-webhook');
  const store = createWebhookSecretStore(dependencies.db);
  return {
    /** The form's secret, made now if it has none. */
    async secretOf(formId: string): Promise<string> {
      const found = await store.find(formId);
      if (found) return box.open(found.sealed_secret);
      const secret = randomBytes(32).toString('base64url');
      await store.insertUnlessPresent({ form_id: formId, sealed_secret: box.seal(secret), created_at: (dependencies.clock?.() ?? new Date()).toISOString() });
      // Another process may have made one first: the one kept is the form's.
      const kept = await store.find(formId);
      return kept ? box.open(kept.sealed_secret) : secret;
    },
  };
}
