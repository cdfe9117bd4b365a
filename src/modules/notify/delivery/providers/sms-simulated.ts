import type { DevelopmentOutbox } from '../../../../platform/mail/development-outbox.ts';
import type { SmsProvider } from './sms-provider.ts';

/**
 * The simulated SMS provider, used when no gateway is configured: delivers at once. On a
 * developer's machine the message is kept in the development outbox (/development/outbox).
 */
export function createSimulatedSmsProvider(outbox: DevelopmentOutbox | undefined): SmsProvider {
  return {
    name: 'simulated',
    async send(message) {
      if (outbox) await outbox.keep({ channel: 'sms', recipient: message.to, text: message.body, subject: message.sender });
      return { status: 'delivered', providerReference: `simulated-${message.reference}` };
    },
  };
}
