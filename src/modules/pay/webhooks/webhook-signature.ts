import { createHmac, timingSafeEqual } from 'node:crypto';

/** `Pay-Signature`: the hex HMAC-SHA256 of the exact body bytes, keyed with the webhook's signing secret. */
export function signWebhookBody(body: string, signingSecret: string): string {
  return createHmac('sha256', signingSecret).update(body, 'utf8').digest('hex');
}

/** What a receiving service does to check a webhook came from us and was not changed. */
export function verifyWebhookSignature(body: string, signature: string, signingSecret: string): boolean {
  const expected = Buffer.from(signWebhookBody(body, signingSecret), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
