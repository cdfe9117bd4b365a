import { pageOf } from '../../journey/journey.ts';
import type { SecurityMethodKind } from '../../../accounts/account.store.ts';
import { lastDigits, METHOD_PAGES, methodInUse, signInMethodsOf } from '../../security-code-ways.ts';
import { definePage, type PageStep } from '../../sign-in-page.ts';

function renderMethodChoice(step: PageStep<'sign-in:password-proved'>, input: { kinds: SecurityMethodKind[]; phoneNumber?: string; fieldError?: string }) {
  const { t, href, journey } = step;
  const methodNow = methodInUse(journey.state, input.kinds);
  const labels: Record<SecurityMethodKind, string> = {
    'auth-app': t('identity.otherMethod.authApp'),
    sms: t('identity.otherMethod.sms', { digits: lastDigits(input.phoneNumber ?? '') }),
    passkey: t('identity.otherMethod.passkey'),
  };
  return step.render('modules/identity/sign-in/pages/security-code-method/security-code-method.njk', {
    pageTitle: t('identity.otherMethod.title'),
    // A passkey is no way to get a security code: it is offered apart, as a way to sign in instead.
    items: [
      ...input.kinds.filter((kind) => kind !== methodNow && kind !== 'passkey').map((kind) => ({ value: kind, text: labels[kind] })),
      ...(input.kinds.includes('passkey') && methodNow !== 'passkey' ? [{ divider: t('identity.chooseMethod.or') }, { value: 'passkey', text: labels.passkey }] : []),
    ],
    fieldError: input.fieldError,
    errors: input.fieldError ? [{ text: input.fieldError, href: '#method' }] : [],
    links: [{ href: href('/recover'), text: t('identity.otherMethod.cannotUseAny') }],
  });
}

/** Sign in: another of the account's own ways to get a security code. */
export const securityCodeMethodPage = definePage({
  path: '/security-code-method',
  states: ['sign-in:password-proved'],
  back: (state) => pageOf(state),
  async get(step) {
    const { kinds, phoneNumber } = signInMethodsOf(await step.dependencies.accounts.listMethods(step.journey.state.accountId));
    if (kinds.length < 2) return step.reply.redirect(step.href('/security-code'), 303);
    return renderMethodChoice(step, { kinds, phoneNumber });
  },
  async post(step) {
    const { journey, reply, href, t } = step;
    const { kinds, phoneNumber } = signInMethodsOf(await step.dependencies.accounts.listMethods(journey.state.accountId));
    const chosen = kinds.find((kind) => kind === step.field('method'));
    if (!chosen && kinds.length < 2) return reply.redirect(href('/security-code'), 303);
    if (!chosen) return renderMethodChoice(step, { kinds, phoneNumber, fieldError: t('identity.otherMethod.missing') });
    // Choosing text messages (again) is asking for a code: the page texts a new one.
    await step.update({ ...journey.state, method: chosen, textedTo: chosen === 'sms' ? undefined : journey.state.textedTo });
    return reply.redirect(href(METHOD_PAGES[chosen]), 303);
  },
});
