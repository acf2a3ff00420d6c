import { expect, test } from '@playwright/test';
import { newUserPage, openChorus, screenshot } from './support';

const PROJECT = 'Track placement relevance';
const NAME = 'e2e-first-pass';
const QUESTION = 'Does the track belong on the artist page?';
/** The demo project's gold items (examples/demo): what the evaluation uses. */
const GOLD_ITEMS = 24;

test('a manager configures an LLM annotator on the simulator, dry-runs it, runs it over the gold items and applies the recommended threshold', async ({
  browser,
}) => {
  const jonas = await newUserPage(browser, 'jonas.berg', {
    width: 1440,
    height: 2400,
  });
  await openChorus(jonas);
  await jonas.getByRole('link', { name: PROJECT, exact: true }).first().click();
  await expect(
    jonas.getByRole('heading', { name: PROJECT, level: 1 }),
  ).toBeVisible();
  await jonas.getByRole('button', { name: 'LLM annotators' }).click();
  await expect(
    jonas.getByRole('heading', {
      name: `${PROJECT}: LLM annotators`,
      level: 1,
    }),
  ).toBeVisible();
  // no key anywhere: the built-in simulator is the provider
  await expect(
    jonas.getByRole('table', { name: 'Providers' }).getByRole('row'),
  ).toContainText(['simulator']);

  // a new annotator on the simulator, with the default prompt
  await jonas.getByRole('button', { name: 'New LLM annotator' }).click();
  const create = jonas.getByRole('form', { name: 'New LLM annotator' });
  await create.getByLabel('Name', { exact: true }).fill(NAME);
  await create
    .getByLabel('Provider', { exact: true })
    .selectOption('simulator');
  await create.getByRole('button', { name: 'Create' }).click();
  const editor = jonas.getByRole('form', { name: `Edit ${NAME}` });
  await expect(editor.getByText('Saved version 1')).toBeVisible();
  await expect(jonas.getByText(`${NAME}: version 1`)).toBeVisible();

  // a dry run: three real items, nothing stored
  const dryRun = jonas.getByRole('form', { name: 'Dry run' });
  await dryRun.getByRole('button', { name: 'Dry run' }).click();
  const results = jonas.getByRole('region', { name: 'Dry run results' });
  await expect(results.getByRole('status')).toHaveText(
    /^3 items: \d answered · [\d,]+ tokens · cost [\d.]+$/,
  );
  const first = results.getByRole('region', { name: 'Dry run of track-0001' });
  await expect(first.getByText('simulated', { exact: true })).toBeVisible();
  await expect(first.getByLabel('Figures of track-0001')).toContainText(
    'chorus-sim-1',
  );
  // the prompt as sent, ending with the item's id
  await first.getByText('The prompt as sent (2 messages)').click();
  await expect(first.locator('pre').nth(1)).toBeVisible();
  await expect(first.locator('pre').nth(1)).toContainText('id: track-0001');

  // a job over the gold items
  const start = jonas.getByRole('form', { name: 'Start a job' });
  await start.getByLabel('Items', { exact: true }).selectOption('filter');
  await expect(start.getByRole('checkbox', { name: 'gold' })).toBeChecked();
  await start.getByLabel('Budget (cost)').fill('1');
  await start.getByRole('button', { name: 'Start job' }).click();
  await expect(
    jonas.getByText(`Started a job over ${GOLD_ITEMS} items`),
  ).toBeVisible();
  const job = jonas
    .getByRole('table', { name: 'Jobs' })
    .getByRole('row')
    .nth(1);
  await expect(job).toContainText('Items gold');
  // its progress, asked every second, reaches the end
  await expect(job).toContainText(`${GOLD_ITEMS} / ${GOLD_ITEMS} done`, {
    timeout: 60_000,
  });
  await expect(job.getByRole('cell').nth(3)).toHaveText('completed');
  await expect(job).toContainText(/p50 [\d.]+ m?s · p95 [\d.]+ m?s/);
  // the cost, within its budget
  await expect(job.getByRole('cell').nth(7)).toHaveText(/^[\d.]+of 1$/);

  // the evaluation of version 1 comes when the job ends
  const evaluation = jonas.getByRole('region', {
    name: `Evaluation of ${QUESTION}`,
  });
  await expect(evaluation.getByLabel('Known items')).toHaveText(
    `${GOLD_ITEMS} (${GOLD_ITEMS} answered)`,
  );
  await expect(evaluation.getByLabel('Accuracy', { exact: true })).toHaveText(
    /^\d+(\.\d)?%$/,
  );
  await expect(
    evaluation.getByRole('img', { name: /^Reliability curve of/ }),
  ).toBeVisible();
  await expect(
    evaluation.getByRole('img', { name: /^Risk-coverage curve of/ }),
  ).toBeVisible();
  const recommended = jonas.getByRole('region', {
    name: 'Recommended threshold',
  });
  const threshold = recommended.getByLabel('Recommended threshold');
  await expect(threshold).toHaveText(/^0\.\d+$/);
  const value = (await threshold.textContent())!;
  // the jobs and the evaluation (the page scrolls inside its layout)
  await jonas
    .getByRole('region', { name: 'LLM jobs' })
    .screenshot({ path: screenshot('llm-jobs') });
  await jonas
    .getByRole('region', { name: 'LLM evaluation' })
    .screenshot({ path: screenshot('llm-evaluation') });

  // one click: a new version auto-accepts at it
  await recommended.getByRole('button', { name: 'Use this threshold' }).click();
  await expect(
    recommended.getByText(
      `Saved version 2: auto-accept at confidence ≥ ${value}`,
    ),
  ).toBeVisible();
  await expect(
    jonas
      .getByRole('table', { name: 'LLM annotators' })
      .getByRole('row', { name: new RegExp(NAME) }),
  ).toContainText(`auto-accept ≥ ${value} (audit 5%)`);
  await expect(jonas.getByText(`${NAME}: version 2`)).toBeVisible();
  await expect(editor.getByLabel('Role', { exact: true })).toHaveValue(
    'auto-accept',
  );
  await expect(
    jonas.getByRole('table', { name: 'Versions' }).getByRole('row'),
  ).toHaveCount(3);
  // version 2 only moved the threshold: it sends the same requests, so it
  // shares version 1's answers and its evaluation (nothing paid again)
  const compare = jonas.getByRole('table', {
    name: 'Version 1 against version 2',
  });
  await expect(compare.getByRole('row', { name: /^Known items/ })).toHaveText(
    `Known items${GOLD_ITEMS}${GOLD_ITEMS}`,
  );
  await jonas.context().close();
});
