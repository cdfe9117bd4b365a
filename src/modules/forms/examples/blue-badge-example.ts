import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { outboundPolicyOf } from '../../../platform/net/outbound-request.ts';
import { secretBoxesOf } from '../../../platform/secrets/secret-box.ts';
import { findOrCreateExamplePayAccount } from '../../console/console.contract.ts';
import { setUpDemoConsent } from '../../exchange/exchange.contract.ts';
import { createServicePay } from '../../pay/pay.contract.ts';
import type { FormDefinition } from '../definition/form-definition.ts';
import type { FormVersions } from '../versions/form-versions.ts';

export const BLUE_BADGE_SLUG = 'apply-for-a-blue-badge';
const ACTOR = 'system:forms-demo';

/** The example form as shipped (docs/forms): Exchange's example council's Blue Badge application. */
export function readBlueBadgeForm(): FormDefinition {
  return JSON.parse(readFileSync(join(import.meta.dirname, `${BLUE_BADGE_SLUG}.form.json`), 'utf8')) as FormDefinition;
}

/** The return address of the form's PIP check, which the council's subsystem registers with Exchange. */
export function blueBadgeConsentReturnUrl(baseUrl: string): string {
  const check = readBlueBadgeForm().pages.find((page) => page.eligibilityCheck);
  return `${baseUrl}/forms/${BLUE_BADGE_SLUG}/pages/${check?.id ?? 'pip-check'}/consent-answer`;
}

/**
 * Sets up "Apply for a Blue Badge" (DEMO_SERVICE with DEMO_EXCHANGE): the example council asks
 * consent for its PIP check through Exchange, has a console service ("Blue Badge (demo)") with a
 * Pay account, and the form published for that service, naming the council's subsystem and the
 * agency's service as this instance names them. Made once; a live form is left as it is.
 */
export async function setUpBlueBadgeExample(app: FastifyInstance, versions: FormVersions): Promise<{ formId: string | undefined; serviceId: string }> {
  const { db, audit, config } = app;
  const consent = await setUpDemoConsent(
    { db, audit, secrets: secretBoxesOf(config), instance: config.EXCHANGE_INSTANCE, baseUrl: config.BASE_URL, outbound: outboundPolicyOf(config) },
    { returnUrls: [blueBadgeConsentReturnUrl(config.BASE_URL)] },
  );
  const pay = createServicePay({ db, config, audit });
  await findOrCreateExamplePayAccount({ db, audit, createAccount: (input) => pay.createAccount(input) }, { serviceId: consent.councilServiceId, actor: ACTOR });
  const live = await versions.findLive(BLUE_BADGE_SLUG);
  if (live) return { formId: live.formId, serviceId: consent.councilServiceId };
  const definition = readBlueBadgeForm();
  const pages = definition.pages.map((page) => (page.eligibilityCheck ? { ...page, eligibilityCheck: { ...page.eligibilityCheck, client: consent.client, service: consent.service } } : page));
  try {
    const imported = await versions.importForm({ serviceId: consent.councilServiceId, definition: { ...definition, pages }, actor: ACTOR });
    return { formId: imported.formId, serviceId: consent.councilServiceId };
  } catch (error) {
    // Another process published it meanwhile.
    const published = await versions.findLive(BLUE_BADGE_SLUG);
    if (!published) throw error;
    return { formId: published.formId, serviceId: consent.councilServiceId };
  }
}
