import type { SecurityMethodKind, SecurityMethodRow } from '../accounts/account.store.ts';
import type { StateNamed } from './journey/journey.ts';
import type { PageTools } from './sign-in-page.ts';

/** The order sign-in has always offered them in: the first the account has is its default. */
const SIGN_IN_METHOD_ORDER: readonly SecurityMethodKind[] = ['auth-app', 'sms', 'passkey'];

export const METHOD_PAGES: Record<SecurityMethodKind, string> = { 'auth-app': '/security-code', sms: '/text-message', passkey: '/passkey' };

/** The ways this account can get a security code at sign-in, default first. */
export function signInMethodsOf(methods: SecurityMethodRow[]): { kinds: SecurityMethodKind[]; phoneNumber?: string } {
  const phoneNumber = methods.find((method) => method.kind === 'sms' && method.phone_number)?.phone_number ?? undefined;
  const kinds = SIGN_IN_METHOD_ORDER.filter((kind) => (kind === 'sms' ? phoneNumber !== undefined : methods.some((method) => method.kind === kind)));
  return { kinds, phoneNumber };
}

/** The person's choice while the account still has it, otherwise the account's default. */
export function methodInUse(state: StateNamed<'sign-in:password-proved'>, kinds: SecurityMethodKind[]): SecurityMethodKind | undefined {
  return state.method && kinds.includes(state.method) ? state.method : kinds[0];
}

export function lastDigits(phoneNumber: string): string {
  return phoneNumber.slice(-4);
}

/** Below a security code page: send again (texts), another of the account's ways, and recovery. */
export function securityCodeLinks(step: PageTools, input: { method: SecurityMethodKind; kinds: SecurityMethodKind[] }) {
  const { t, href } = step;
  const otherWay = input.kinds.some((kind) => kind !== input.method)
    ? [{ href: href('/security-code-method'), text: t(input.method === 'passkey' ? 'identity.otherMethod.passkeyLink' : 'identity.otherMethod.link') }]
    : [];
  if (input.method === 'sms') {
    return [{ href: href('/text-message/send-again'), text: t('identity.checkPhone.sendAgainSignIn') }, ...otherWay, { href: href('/recover'), text: t('identity.recover.phoneLink') }];
  }
  if (input.method === 'passkey') return [...otherWay, { href: href('/recover'), text: t('identity.passkey.lost') }];
  return [...otherWay, { href: href('/recover'), text: t('identity.recover.link') }];
}
