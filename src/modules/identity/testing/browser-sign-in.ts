import type { Page } from 'playwright-core';
import type { TestAccount } from './identity-test-kit.ts';

/**
 * Signs in on One Login's pages in Chromium, once a relying party has sent the browser there:
 * email, password, then the authenticator app's code. `continueText` is the button's text in the
 * page's language (Continue, Parhau).
 */
export async function signInOnOneLoginPages(page: Page, account: TestAccount, continueText: string): Promise<void> {
  await page.waitForURL(/\/sign-in\//);
  await page.goto(`${page.url().split('?')[0]}/email`);
  await page.locator('#email').fill(account.email);
  await page.getByRole('button', { name: continueText }).click();
  await page.locator('#password').fill(account.password);
  await page.getByRole('button', { name: continueText }).click();
  await page.waitForURL(/\/security-code$/);
  await page.locator('#code').fill(await account.nextCode());
  await page.getByRole('button', { name: continueText }).click();
}
