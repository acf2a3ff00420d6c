import { expect, Page, Response, test } from '@playwright/test';
import { newUserPage, openChorus, screenshot } from './support';

const PROJECT = 'Track placement relevance';
const AMARA_ITEMS = 4;
const BO_ITEMS = 3;

/** The project's row in "My queues" (the projects table lists it too). */
function queueRow(page: Page) {
  return page.getByRole('row').filter({
    has: page.getByRole('button', { name: `Start labeling ${PROJECT}` }),
  });
}

/** The external id of the item on screen (the item card's subheader). */
async function currentItem(page: Page): Promise<string> {
  const id = page.getByText(/^track-\d{4}$/);
  await expect(id).toBeVisible();
  return (await id.textContent())!.trim();
}

/** Labels `count` items with the keyboard only: a number key, then Enter. */
async function labelWithKeyboard(page: Page, key: string, count: number) {
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    const item = await currentItem(page);
    seen.push(item);
    // a fresh item has no answer filled in: blind, and nothing carried over
    await expect(page.getByRole('radio', { checked: true })).toHaveCount(0);
    await page.keyboard.press(key);
    await expect(page.getByRole('radio', { checked: true })).toHaveCount(1);
    await page.keyboard.press('Enter');
    await expect(
      page.getByText(`This session: ${i + 1} answered, 0 skipped.`),
    ).toBeVisible();
    await expect(page.getByText(item, { exact: true })).toHaveCount(0);
  }
  return seen;
}

/** Every Chorus API response the page receives, with its body. */
function recordApiResponses(page: Page) {
  const pending: Array<Promise<{ url: string; body: string }>> = [];
  page.on('response', (response: Response) => {
    if (response.url().includes('/api/annotation/')) {
      pending.push(
        response
          .text()
          .catch(() => '')
          .then(body => ({ url: response.url(), body })),
      );
    }
  });
  return () => Promise.all(pending);
}

test('annotators label with the keyboard, blind to each other; the manager sees the counts', async ({
  browser,
}) => {
  // amara labels the first items of the project, keyboard only
  const amara = await newUserPage(browser, 'amara.okafor');
  await openChorus(amara);
  const queue = queueRow(amara);
  await expect(queue).toBeVisible();
  await expect(queue.getByRole('cell').nth(3)).toHaveText('0');
  await amara.screenshot({ path: screenshot('chorus-home'), fullPage: true });

  await queue
    .getByRole('button', { name: `Start labeling ${PROJECT}` })
    .click();
  await expect(
    amara.getByRole('heading', { name: PROJECT, level: 1 }),
  ).toBeVisible();
  await expect(amara.getByText('The next item is ready.')).toBeVisible();
  await expect(amara.getByRole('timer')).toHaveText(
    /Lease expires in \d+:\d\d/,
  );
  await expect(
    amara.getByText('Does the track belong on the artist page?'),
  ).toBeVisible();
  await amara.screenshot({
    path: screenshot('labeling-workspace'),
    fullPage: true,
  });
  // "unsure" (key 3): an answer nobody else gives in this test
  const amaraItems = await labelWithKeyboard(amara, '3', AMARA_ITEMS);
  expect(new Set(amaraItems).size).toBe(AMARA_ITEMS);

  // back home (the held leases go back to the pool): her count went up
  await openChorus(amara);
  await expect(queueRow(amara).getByRole('cell').nth(3)).toHaveText(
    String(AMARA_ITEMS),
  );
  await amara.context().close();

  // bo gets the same items (overlap 3) and never sees amara's answers
  const bo = await newUserPage(browser, 'bo.lindqvist');
  const boResponses = recordApiResponses(bo);
  await openChorus(bo);
  await bo.getByRole('button', { name: `Start labeling ${PROJECT}` }).click();
  await expect(bo.getByText('The next item is ready.')).toBeVisible();
  const boItems = await labelWithKeyboard(bo, '1', BO_ITEMS);
  expect(boItems).toEqual(amaraItems.slice(0, BO_ITEMS));
  // the rendered app (not index.html, whose app config lists the demo users)
  expect(await bo.locator('#root').innerHTML()).not.toMatch(/amara/i);

  const responses = await boResponses();
  const leases = responses.filter(r => /\/next$/.test(r.url) && r.body);
  expect(leases.length).toBeGreaterThanOrEqual(BO_ITEMS);
  for (const { url, body } of responses) {
    expect(body, url).not.toMatch(/amara/i);
    if (/\/annotations$/.test(url)) {
      // bo's own submits echo bo's own answer, nothing else
      const { annotation } = JSON.parse(body);
      expect(annotation.annotator).toBe('user:default/bo.lindqvist');
      expect(annotation.answer).toEqual({ belongs: 'yes' });
    } else {
      expect(body, url).not.toMatch(/"answers?"|"annotations?"/);
    }
  }
  for (const { body } of leases) {
    const lease = JSON.parse(body);
    // a lease carries the item's id, external id and data only
    expect(Object.keys(lease.item).sort()).toEqual([
      'data',
      'externalId',
      'id',
    ]);
  }
  await bo.context().close();

  // the manager sees both annotators' work on the project overview
  // tall enough for the annotators table in the screenshot (the page
  // scrolls inside its layout, so fullPage alone does not show it)
  const jonas = await newUserPage(browser, 'jonas.berg', {
    width: 1440,
    height: 1250,
  });
  await openChorus(jonas);
  await jonas.getByRole('link', { name: PROJECT, exact: true }).first().click();
  await expect(
    jonas.getByRole('heading', { name: PROJECT, level: 1 }),
  ).toBeVisible();
  await expect(jonas.getByLabel('Annotations', { exact: true })).toHaveText(
    String(AMARA_ITEMS + BO_ITEMS),
  );
  const amaraRow = jonas.getByRole('row', { name: /amara\.okafor/ });
  await expect(amaraRow.getByRole('cell').nth(1)).toHaveText(
    String(AMARA_ITEMS),
  );
  const boRow = jonas.getByRole('row', { name: /bo\.lindqvist/ });
  await expect(boRow.getByRole('cell').nth(1)).toHaveText(String(BO_ITEMS));
  await expect(
    jonas.getByText('Does the track belong on the artist page?'),
  ).toBeVisible();
  // a manager watches; labeling is offered to annotators only
  await expect(
    jonas.getByRole('button', { name: 'Start labeling' }),
  ).toHaveCount(0);
  await jonas.screenshot({
    path: screenshot('project-overview'),
    fullPage: true,
  });

  // the quality dashboard: recomputed now instead of on schedule
  await jonas.getByRole('link', { name: /Quality dashboard/ }).click();
  await expect(
    jonas.getByRole('heading', { name: `${PROJECT}: quality`, level: 1 }),
  ).toBeVisible();
  await jonas.getByRole('button', { name: 'Recompute now' }).click();
  await expect(
    jonas.getByText(
      `Recomputed over ${
        AMARA_ITEMS + BO_ITEMS
      } answers on ${AMARA_ITEMS} items.`,
    ),
  ).toBeVisible();
  // amara said "unsure" and bo "yes" on every item both answered
  const belongs = jonas.getByRole('region', {
    name: 'Does the track belong on the artist page?',
  });
  await expect(
    belongs.getByText(/^Krippendorff's alpha \(nominal\): -?\d\.\d\d · poor$/),
  ).toBeVisible();
  await expect(
    belongs.getByRole('row', { name: /Percent agreement/ }),
  ).toHaveText('Percent agreement0%');
  await expect(
    jonas
      .getByRole('row', { name: /amara\.okafor/ })
      .getByRole('cell')
      .nth(1),
  ).toHaveText(String(AMARA_ITEMS));
  await expect(
    jonas.getByText(
      `${AMARA_ITEMS + BO_ITEMS} human answers and 0 QA decisions since`,
      { exact: false },
    ),
  ).toBeVisible();
  // the whole dashboard, down to the annotators (the page scrolls inside
  // its layout)
  await jonas.setViewportSize({ width: 1440, height: 1750 });
  await jonas.screenshot({
    path: screenshot('quality-dashboard'),
    fullPage: true,
  });
  await jonas.context().close();
});
