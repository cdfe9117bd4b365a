import { SmsNotTakenError, SmsRejectedError, type SmsProvider } from './sms-provider.ts';

const TIMEOUT_MS = 10_000;

/**
 * A real SMS gateway over HTTP. For each message Notify POSTs JSON
 * `{"reference", "to", "from", "body"}` with `Authorization: Bearer <NOTIFY_SMS_GATEWAY_TOKEN>`
 * to NOTIFY_SMS_GATEWAY_URL. A 2xx answer means accepted (optionally `{"id": "..."}`; the
 * delivery receipt comes later to POST /notify/sms-gateway/receipts); 4xx other than 408 and 429
 * means refused for good; anything else is retried. `reference` is the notification id, stable
 * across retries, so the gateway can drop a duplicate.
 */
export function createHttpSmsProvider(options: { url: string; token: string; fetch?: typeof fetch }): SmsProvider {
  const send = options.fetch ?? fetch;
  return {
    name: 'http',
    async send(message) {
      const response = await send(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ reference: message.reference, to: message.to, from: message.sender, body: message.body }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await response.text();
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        throw new SmsRejectedError(`SMS gateway refused the message (HTTP ${response.status})`);
      }
      if (!response.ok) throw new SmsNotTakenError(`SMS gateway answered HTTP ${response.status}`);
      let providerReference = message.reference;
      try {
        const parsed = JSON.parse(text) as { id?: unknown };
        if (typeof parsed.id === 'string' && parsed.id.length <= 255) providerReference = parsed.id;
      } catch {
        // A body that is not JSON carries no id of its own.
      }
      return { status: 'sending', providerReference };
    },
  };
}
