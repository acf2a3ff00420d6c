import { expect, Page, test } from '@playwright/test';
import { screenshot, signInAs } from './support';

/** The entity card with this title. */
function card(page: Page, title: string) {
  return page
    .locator('.MuiCard-root')
    .filter({ has: page.getByText(title, { exact: true }) });
}

/** Opens an entity page, reloading until the catalogue has the entity. */
async function openEntity(page: Page, url: string, heading: string) {
  await expect(async () => {
    await page.goto(url);
    await expect(page.getByRole('heading', { name: heading })).toBeVisible({
      timeout: 5_000,
    });
  }).toPass({ timeout: 60_000 });
}

test('a project manager follows project → dataset → model lineage', async ({
  page,
}) => {
  await signInAs(page, 'jonas.berg');

  await openEntity(
    page,
    '/catalog/default/annotationproject/track-placement-relevance',
    'Track placement relevance',
  );
  const overview = card(page, 'Annotation project');
  await expect(overview.getByText('active', { exact: true })).toBeVisible();
  await expect(
    overview.getByRole('link', {
      name: 'Track-to-artist-page placement model',
    }),
  ).toBeVisible();
  await expect(
    overview.getByRole('link', { name: 'Track placement labels' }),
  ).toBeVisible();
  await expect(overview.getByText('6 members')).toBeVisible();
  await expect(overview.getByText('3 members')).toBeVisible();
  await expect(overview.getByText('2 members')).toBeVisible();
  // the question, in the questions and in the agreement the card shows
  // (labeling.test.ts, run before this file, had the quality recomputed)
  await expect(
    overview.getByText('Does the track belong on the artist page?'),
  ).toHaveCount(2);
  await expect(overview.getByRole('list', { name: 'Agreement' })).toContainText(
    'Does the track belong on the artist page?',
  );
  // the relations graph draws the lineage nodes
  await expect(
    page.locator('svg').getByText('Track placement labels').first(),
  ).toBeVisible();
  await expect(
    page.locator('svg').getByText('labelsFor').first(),
  ).toBeVisible();
  await page.screenshot({
    path: screenshot('annotation-project'),
    fullPage: true,
  });
  // two steps out: the dataset feeds the model
  await expect(
    page
      .locator('svg')
      .getByText(/depend/)
      .first(),
  ).toBeVisible();

  await overview
    .getByRole('link', { name: 'Track-to-artist-page placement model' })
    .click();
  await expect(
    page.getByRole('heading', { name: 'Track-to-artist-page placement model' }),
  ).toBeVisible();
  const lineage = card(page, 'Training data lineage');
  await expect(
    lineage.getByRole('link', { name: 'Track placement relevance' }),
  ).toBeVisible();
  await expect(
    lineage.getByRole('link', { name: 'Track placement labels' }),
  ).toBeVisible();
  await expect(
    page.locator('svg').getByText('labeledBy').first(),
  ).toBeVisible();
  await page.screenshot({
    path: screenshot('model'),
    fullPage: true,
  });

  await lineage.getByRole('link', { name: 'Track placement labels' }).click();
  const dataset = card(page, 'Dataset lineage');
  await expect(
    dataset.getByRole('link', { name: 'Track placement relevance' }),
  ).toBeVisible();
  await expect(
    dataset.getByRole('link', { name: 'Track-to-artist-page placement model' }),
  ).toBeVisible();
  await expect(
    page.locator('svg').getByText('producedBy').first(),
  ).toBeVisible();
  await page.screenshot({
    path: screenshot('dataset'),
    fullPage: true,
  });
});

test('each workforce tier can sign in as a demo user', async ({ page }) => {
  for (const [user, name] of [
    ['amara.okafor', 'Amara Okafor'],
    ['grace.liu', 'Grace Liu'],
    ['kemi.adeyemi', 'Kemi Adeyemi'],
  ]) {
    await signInAs(page, user);
    await page.goto(`/catalog/default/user/${user}`);
    await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
    await page.evaluate(() => localStorage.clear());
    await page.context().clearCookies();
  }
});
