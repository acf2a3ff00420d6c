import { expect, test } from '@playwright/test';
import { screenshot, signInAs } from './support';

const TITLE = 'Genre check e2e';

const items = [
  { externalId: 'g-1', data: { track_title: 'Velvet Static – Neon' } },
  { externalId: 'g-2', data: { track_title: 'Paper Boats' } },
  // no data: rejected, reported by its line number
  { externalId: 'g-3' },
  { externalId: 'g-4', data: { track_title: 'Low Tide' } },
];

test('a manager creates a project in the form, imports items from a file and activates it', async ({
  browser,
}) => {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 1400 },
  });
  const page = await context.newPage();
  await signInAs(page, 'jonas.berg');
  await page
    .getByTestId('sidebar-root')
    .getByRole('link', { name: 'Chorus', exact: true })
    .click();
  await page.getByRole('button', { name: 'New project' }).click();
  await expect(
    page.getByRole('heading', { name: 'New project', level: 1 }),
  ).toBeVisible();

  // the owner and managers start as the manager's own group
  const field = (name: string) =>
    page.getByRole('textbox', { name: new RegExp(`^${name}(\\s*\\*)?$`) });
  await expect(field('Owner')).toHaveValue('group:default/cu-project-managers');
  await expect(field('Managers')).toHaveValue(
    'group:default/cu-project-managers',
  );
  await field('Title').fill(TITLE);
  await expect(field('Name')).toHaveValue('genre-check-e2e');
  await field('Description').fill('Which genre is the track?');
  await field('Model').fill('resource:default/track-artist-page-placement');
  await field('Dataset').fill('resource:default/track-placement-labels');
  await field('Annotators').fill('group:default/cu-annotators');
  await field('Quality analysts').fill('group:default/cu-quality-analysts');
  await field('Instructions \\(markdown\\)').fill('Pick the **main** genre.');

  const question = page.getByRole('group', { name: 'Question 1' });
  await question.getByRole('textbox', { name: /^Id/ }).fill('genre');
  await question
    .getByRole('textbox', { name: /^Question title/ })
    .fill('Which genre?');
  await question
    .getByRole('textbox', { name: /^Data field/ })
    .fill('track_title');

  // the shared schema's issue shows at the labels before anything is sent
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(question.getByText('at least 2 labels expected')).toBeVisible();
  await question
    .getByRole('textbox', { name: /^Labels/ })
    .fill('pop = Pop\nrock = Rock\njazz = Jazz');
  await page.screenshot({ path: screenshot('new-project'), fullPage: true });
  await page.getByRole('button', { name: 'Create project' }).click();

  // the new project's overview, in draft
  await expect(
    page.getByRole('heading', { name: TITLE, level: 1 }),
  ).toBeVisible();
  const facts = page.getByRole('table', { name: 'Project facts' });
  await expect(facts.getByText('draft')).toBeVisible();
  await expect(page.getByText('Pop, Rock, Jazz')).toBeVisible();
  await expect(page.getByText('No imports yet.')).toBeVisible();

  // import a small NDJSON file through the panel
  await page.getByLabel('NDJSON file').setInputFiles({
    name: 'genres.ndjson',
    mimeType: 'application/x-ndjson',
    buffer: Buffer.from(`${items.map(i => JSON.stringify(i)).join('\n')}\n`),
  });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const summary = page.getByRole('status', { name: 'Import summary' });
  await expect(summary.getByLabel('Import Inserted')).toHaveText('3');
  await expect(summary.getByLabel('Import Rejected')).toHaveText('1');
  await expect(
    summary.getByRole('table', { name: 'Rejected lines' }).getByRole('row'),
  ).toHaveCount(2);
  await expect(
    summary
      .getByRole('row')
      .filter({ hasText: 'g-3' })
      .getByRole('cell')
      .first(),
  ).toHaveText('3');
  await expect(
    page.getByText('3 inserted, 0 updated, 0 unchanged, 1 rejected'),
  ).toBeVisible();

  // activate it: annotators can label it from now on
  await page.getByRole('button', { name: 'Activate' }).click();
  await expect(facts.getByText('active')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();

  // the items are counted in the overview
  await expect(page.getByLabel('Items', { exact: true })).toHaveText('3');
  await expect(page.getByLabel('Open', { exact: true })).toHaveText('3');
  await page.screenshot({ path: screenshot('project-manage'), fullPage: true });

  // an annotator finds it in their queues with the three items
  const amara = await (await browser.newContext()).newPage();
  await signInAs(amara, 'amara.okafor');
  await amara
    .getByTestId('sidebar-root')
    .getByRole('link', { name: 'Chorus', exact: true })
    .click();
  const row = amara.getByRole('row').filter({
    has: amara.getByRole('button', { name: `Start labeling ${TITLE}` }),
  });
  await expect(row.getByRole('cell').nth(2)).toHaveText('3');
  await amara.context().close();
  await context.close();
});
