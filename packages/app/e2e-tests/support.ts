import { Browser, expect, Page } from '@playwright/test';

// Playwright runs from the repository root (playwright.config.ts)
export const screenshot = (name: string) => `docs/screenshots/${name}.png`;

export async function signInAs(page: Page, user: string) {
  await page.goto('/');
  await expect(page.getByText('Sign in as a demo user')).toBeVisible();
  await page.getByRole('button', { name: user, exact: true }).click();
  await expect(
    page.getByRole('heading', { name: 'Chorus demo Catalog' }),
  ).toBeVisible();
}

/** A signed-in user in a browser context of their own (no shared storage). */
export async function newUserPage(
  browser: Browser,
  user: string,
  viewport = { width: 1440, height: 900 },
) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await signInAs(page, user);
  return page;
}

/** The Chorus home, from the sidebar. */
export async function openChorus(page: Page) {
  await page
    .getByTestId('sidebar-root')
    .getByRole('link', { name: 'Chorus', exact: true })
    .click();
  await expect(
    page.getByRole('heading', { name: 'Chorus', level: 1 }),
  ).toBeVisible();
}
