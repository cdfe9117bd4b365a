import { createTranslations, isLocale, type MessageCatalogue } from '../../../platform/http/i18n.ts';
import type { PayServices } from '../pay-services.ts';
import { formatPounds } from './money.ts';

/**
 * The email a paying user gets when their payment succeeds, in the payment's language. Sent
 * by a job, with the payment id as its Message-ID, so a retry after a crash is recognisable.
 */
export function createConfirmationEmailSender(dependencies: {
  services: PayServices;
  messages: { en: MessageCatalogue; cy: MessageCatalogue };
}) {
  const { services } = dependencies;
  const translations = createTranslations([dependencies.messages]);
  return {
    async send(paymentId: string): Promise<void> {
      const payment = await services.paymentStore.find(services.db, paymentId);
      if (!payment?.email || (payment.status !== 'success' && payment.status !== 'capturable')) return;
      const t = translations[isLocale(payment.language) ? payment.language : 'en'];
      const parameters = {
        amount: formatPounds(payment.amount),
        description: payment.description,
        reference: payment.reference,
        paymentId: payment.id,
      };
      await services.mail.send({
        to: payment.email,
        subject: t('pay.email.subject', parameters),
        text: [
          t('pay.email.paid', parameters),
          '',
          `${t('pay.email.reference')}: ${payment.reference}`,
          `${t('pay.email.paymentId')}: ${payment.id}`,
          `${t('pay.email.amount')}: ${parameters.amount}`,
          '',
          t('pay.email.keep'),
        ].join('\n'),
        messageId: `pay-confirmation-${payment.id}`,
      });
    },
  };
}
