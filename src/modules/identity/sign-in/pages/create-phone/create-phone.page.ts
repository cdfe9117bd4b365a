import type { FastifyRequest } from 'fastify';
import { normaliseUkMobile } from '../../../accounts/account.service.ts';
import { codeRecipient, definePage, minutesUntil } from '../../sign-in-page.ts';

const phoneQuestion = (t: FastifyRequest['t'], value?: string, fieldError?: string) => ({
  pageTitle: t('identity.phone.title'),
  field: { name: 'phone', type: 'tel', autocomplete: 'tel', value, hint: t('identity.phone.hint'), classes: 'govuk-input--width-20' },
  fieldError,
});

/**
 * Create an account with text messages: the mobile number, which is texted a code for this
 * journey. Verification texts have budgets of their own (per journey, per number, per address).
 */
export const createPhonePage = definePage({
  path: '/create/phone',
  states: ['create:password-chosen'],
  back: '/create/security-method',
  async get(step) {
    return step.renderQuestion(phoneQuestion(step.t, step.journey.state.phoneNumber));
  },
  async post(step) {
    const { t, request, journey, dependencies } = step;
    const given = step.field('phone');
    const phoneNumber = normaliseUkMobile(given);
    if (!phoneNumber) return step.renderQuestion(phoneQuestion(t, given, t(given ? 'identity.phone.invalid' : 'identity.phone.missing')));
    const locked = await dependencies.textBudget.spend({ kind: 'verify-number', requestedBy: `journey:${journey.id}`, phoneNumber }, request.ip);
    if (locked) return step.renderQuestion(phoneQuestion(t, given, t('identity.checkEmail.tooManySent', { minutes: minutesUntil(locked.until, dependencies.clock()) })));
    const code = await dependencies.codes.issue('verify-phone', codeRecipient(journey, phoneNumber));
    await dependencies.messages.sendSmsCode({ to: phoneNumber, code, locale: request.locale });
    await step.update({ ...journey.state, phoneNumber });
    return step.reply.redirect(step.href('/create/check-phone'), 303);
  },
});
