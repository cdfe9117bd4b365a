import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { encodeBase32Hex, PAY_ID_PATTERN } from '../pay-id.ts';

const MAC_LENGTH = 32;
const TOKEN_PATTERN = /^[0-9a-v]{58}$/;

/**
 * The token in a payment's `next_url`: the payment's id and 160 bits of HMAC-SHA256 over it,
 * keyed with this installation's secret, so no token can be made up and none need be stored.
 * It works once because it opens only a payment that is still `created`: opening it starts the
 * payment. (The browser that opened it keeps its way back in with a session cookie.)
 */
export function createNextUrlTokens(loadKey: () => Promise<KeyObject>) {
  const mac = (key: KeyObject, paymentId: string) =>
    encodeBase32Hex(createHmac('sha256', key).update(`next-url:${paymentId}`).digest(), MAC_LENGTH);

  return {
    async sign(paymentId: string): Promise<string> {
      return paymentId + mac(await loadKey(), paymentId);
    },

    /** The payment a genuine token is for; undefined for anything else. */
    async verify(token: string): Promise<string | undefined> {
      if (!TOKEN_PATTERN.test(token)) return undefined;
      const paymentId = token.slice(0, 26);
      if (!PAY_ID_PATTERN.test(paymentId)) return undefined;
      const expected = Buffer.from(mac(await loadKey(), paymentId));
      return timingSafeEqual(expected, Buffer.from(token.slice(26))) ? paymentId : undefined;
    },
  };
}

export type NextUrlTokens = ReturnType<typeof createNextUrlTokens>;
