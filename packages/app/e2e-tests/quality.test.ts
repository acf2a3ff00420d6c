import { expect, Page, test } from '@playwright/test';
import { newUserPage, openChorus, screenshot } from './support';

const TITLE = 'Mood check e2e';

/** The manager's form: overlap 2, one more annotator at most, then QA. */
async function createProject(page: Page) {
  await openChorus(page);
  await page.getByRole('button', { name: 'New project' }).click();
  const field = (name: string) =>
    page.getByRole('textbox', { name: new RegExp(`^${name}(\\s*\\*)?$`) });
  await field('Title').fill(TITLE);
  await field('Model').fill('resource:default/track-artist-page-placement');
  await field('Dataset').fill('resource:default/track-placement-labels');
  await field('Annotators').fill('group:default/cu-annotators');
  await field('Quality analysts').fill('group:default/cu-quality-analysts');
  await page.getByRole('spinbutton', { name: /^Overlap/ }).fill('2');
  await page
    .getByRole('spinbutton', { name: /^Extra annotators \(cap\)/ })
    .fill('1');
  const question = page.getByRole('group', { name: 'Question 1' });
  await question.getByRole('textbox', { name: /^Id/ }).fill('mood');
  await question
    .getByRole('textbox', { name: /^Question title/ })
    .fill('Which mood?');
  await question
    .getByRole('textbox', { name: /^Data field/ })
    .fill('track_title');
  await question
    .getByRole('textbox', { name: /^Labels/ })
    .fill('calm = Calm\nupbeat = Upbeat');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(
    page.getByRole('heading', { name: TITLE, level: 1 }),
  ).toBeVisible();

  await page.getByLabel('NDJSON file').setInputFiles({
    name: 'moods.ndjson',
    mimeType: 'application/x-ndjson',
    buffer: Buffer.from(
      `${JSON.stringify({
        externalId: 'mood-1',
        data: { track_title: 'Slow Rain on Tin' },
      })}\n`,
    ),
  });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(
    page.getByText('1 inserted, 0 updated, 0 unchanged, 0 rejected'),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Activate' }).click();
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
}

/** `user` answers the project's one item with a number key and Enter. */
async function label(page: Page, key: string) {
  await openChorus(page);
  await page.getByRole('button', { name: `Start labeling ${TITLE}` }).click();
  await expect(page.getByText('Slow Rain on Tin')).toBeVisible();
  await expect(page.getByRole('timer')).toHaveText(/Lease expires in/);
  // the number key picks the option once the workspace listens
  await expect(async () => {
    await page.keyboard.press(key);
    await expect(page.getByRole('radio', { checked: true })).toHaveCount(1, {
      timeout: 1_000,
    });
  }).toPass();
  await page.keyboard.press('Enter');
  // the project's only item: nothing is left for this annotator
  await expect(
    page.getByRole('heading', { name: 'Nothing left to label' }),
  ).toBeVisible();
  await page.context().close();
}

test('a disagreement gets one more annotator, then a quality analyst resolves it and the dashboard shows it', async ({
  browser,
}) => {
  const jonas = await newUserPage(browser, 'jonas.berg', {
    width: 1440,
    height: 1750,
  });
  await createProject(jonas);

  // two annotators disagree: the item is reopened for a third
  await label(await newUserPage(browser, 'amara.okafor'), '1');
  await label(await newUserPage(browser, 'bo.lindqvist'), '2');
  // the third disagrees with one of them too: the cap is reached, QA decides
  await label(await newUserPage(browser, 'carlos.mendes'), '2');

  // the quality analyst finds it in their QA queues
  const grace = await newUserPage(browser, 'grace.liu', {
    width: 1440,
    height: 1400,
  });
  await openChorus(grace);
  await grace
    .getByRole('button', { name: `Review escalations of ${TITLE}` })
    .click();
  await grace.getByRole('button', { name: /^Start reviewing/ }).click();
  const reasons = grace.getByRole('list', { name: 'Reasons' });
  await expect(reasons).toContainText('agreement');
  // every answer side by side, with who gave it
  const answers = grace.getByRole('table', { name: 'Answers' });
  await expect(
    answers.getByRole('button', { name: /^Use the answer of/ }),
  ).toHaveCount(3);
  // the tentative consensus: upbeat, two of three by majority, or by
  // Dawid-Skene once the scheduled refit (a minute after start) has run
  await expect(answers).toContainText(
    /Consensus \((majority, confidence 0\.67|dawid-skene, confidence [01]\.\d+)\)Upbeat/,
  );
  for (const who of ['amara.okafor', 'bo.lindqvist', 'carlos.mendes']) {
    await expect(answers).toContainText(who);
  }
  await grace.screenshot({ path: screenshot('qa-review'), fullPage: true });
  // the final answer: calm (key 1), with a note
  await grace.keyboard.press('1');
  await grace
    .getByRole('textbox', { name: 'Note (optional)' })
    .fill('Slow tempo, soft dynamics: calm.');
  await grace.getByRole('button', { name: /^Resolve/ }).click();
  await expect(
    grace.getByText(/It is final and joins the gold set\./),
  ).toBeVisible();
  await grace.context().close();

  // the manager's dashboard shows the resolution and the agreement
  await openChorus(jonas);
  await jonas.getByRole('link', { name: TITLE, exact: true }).first().click();
  await jonas.getByRole('link', { name: /Quality dashboard/ }).click();
  await expect(
    jonas.getByRole('heading', { name: `${TITLE}: quality`, level: 1 }),
  ).toBeVisible();
  await jonas.getByRole('button', { name: 'Recompute now' }).click();
  await expect(
    jonas.getByText('Recomputed over 3 answers on 1 items.'),
  ).toBeVisible();
  await expect(jonas.getByLabel('QA-resolved', { exact: true })).toHaveText(
    '1',
  );
  await expect(jonas.getByLabel('Escalated', { exact: true })).toHaveText('0');
  await expect(
    jonas.getByLabel('Open escalations', { exact: true }),
  ).toHaveText('0');
  await expect(jonas.getByLabel('Resolved by QA', { exact: true })).toHaveText(
    '1',
  );
  // calm, upbeat, upbeat: one pair of three agrees
  const mood = jonas.getByRole('region', { name: 'Which mood?' });
  await expect(mood.getByRole('row', { name: /Percent agreement/ })).toHaveText(
    'Percent agreement33.3%',
  );
  await jonas.screenshot({
    path: screenshot('quality-resolved'),
    fullPage: true,
  });
});
