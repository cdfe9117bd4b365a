import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { modules as appModules } from '../../../app.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import {
  createFormClient,
  createTestAccount,
  readLatestMessage,
  startIdentityServer,
  type FormClient,
  type FormPage,
  type TestAccount,
} from '../../identity/testing/identity-testing.contract.ts';
import { createConsoleModule } from '../console.module.ts';
import { createOrganisations } from '../organisations/organisations.ts';

/**
 * Civitas on a real port with the console reading a clock the test moves on (the real time plus
 * an offset, so One Login's own times and the console's agree until the test jumps).
 */
export async function startConsole(t: TestContext) {
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const modules = appModules.map((module) => (module.name === 'console' ? createConsoleModule({ clock }) : module));
  const { kernel, baseUrl } = await startIdentityServer(t, { modules });
  const organisations = createOrganisations({ db: kernel.db, audit: kernel.audit, platform: kernel, baseUrl, clock });
  return {
    kernel,
    baseUrl,
    organisations,
    advance(ms: number) {
      offsetMs += ms;
    },
    browser: () => createFormClient(baseUrl),
    account: (email: string) => createTestAccount(kernel, email),
  };
}

/** The link in the newest invitation emailed to `email`. */
export async function readInvitationLink(kernel: Kernel, email: string): Promise<string> {
  const message = await readLatestMessage(kernel, email);
  const link = /(http:\/\/\S+\/console\/invitations\/[A-Za-z0-9_-]{43})/.exec(message?.text ?? '')?.[1];
  assert.ok(link, 'the invitation email holds a link');
  return link;
}

/** Opens a console page, signing in through One Login's pages on the way when it asks. */
export async function openSigningIn(browser: FormClient, account: TestAccount, url: string): Promise<FormPage> {
  let page = await browser.get(url);
  if (page.url.includes('/sign-in/')) {
    page = await browser.submit(await browser.get(`${page.url}/email`), { email: account.email });
    page = await browser.submit(page, { password: account.password });
    page = await browser.submit(page, { code: await account.nextCode() });
  }
  return page;
}

/** Opens the invitation's link (signing in), accepts it, and returns the organisation's page. */
export async function acceptInvitation(browser: FormClient, account: TestAccount, link: string): Promise<FormPage> {
  const invitation = await openSigningIn(browser, account, link);
  assert.equal(invitation.status, 200, invitation.html);
  assert.match(invitation.html, /Join organisation/);
  return browser.submit(invitation, {});
}
