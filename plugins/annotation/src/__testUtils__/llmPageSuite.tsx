/* eslint-disable jest/no-export -- a shared suite, not a test file of its own */
/*
 * The LLM annotators page and its link, run once per frontend system
 * (plugin.test.tsx and alpha.test.tsx), like chorusPageSuite. Text goes in
 * with change events: typing whole prompts key by key is slow in jsdom.
 */
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeSignals, RenderChorusAt } from './chorusPageSuite';
import { fakeAnnotationApi, responseError } from './fakeAnnotationApi';
import { FakeEvaluationRow, FakeLlmAnnotator, llmConfig } from './fakeLlmApi';

const PROJECT_PATH = '/chorus/projects/p-track';
const LLM_PATH = `${PROJECT_PATH}/llm`;
const ME = 'user:default/jonas.berg';

/** first-pass: v1, then v2 with another prompt and temperature; gate. */
function sampleAnnotators(): FakeLlmAnnotator[] {
  return [
    {
      id: 'llm-a',
      name: 'first-pass',
      versions: [
        {
          version: 1,
          config: llmConfig(),
          createdBy: 'user:default/lena.fischer',
          createdAt: '2025-01-02T10:00:00.000Z',
        },
        {
          version: 2,
          config: llmConfig({
            model: 'gpt-4o-mini',
            promptTemplate:
              'Track: {{ data.track_title }}\nArtist: {{ data.track_artist }}\n{{ questions }}',
            temperature: 0.3,
          }),
          createdBy: ME,
          createdAt: '2025-01-03T10:00:00.000Z',
        },
      ],
    },
    {
      id: 'llm-b',
      name: 'gate',
      versions: [
        {
          version: 1,
          config: llmConfig({
            provider: 'simulator',
            role: 'auto-accept',
            autoAccept: { threshold: 0.92, auditRate: 0.1 },
          }),
          createdBy: ME,
          createdAt: '2025-01-02T11:00:00.000Z',
        },
      ],
    },
  ];
}

/** Known items of a belongs question: [LLM, truth, confidence]. */
function knownRows(
  rows: Array<[string | undefined, string, number | undefined]>,
): FakeEvaluationRow[] {
  return rows.map(([llm, truth, confidence]) => ({
    status: llm === undefined ? 'refused' : 'answered',
    ...(llm !== undefined ? { answer: { belongs: llm } } : {}),
    confidence,
    cost: 0.001,
    gold: { belongs: truth },
    consensus: { belongs: truth },
  }));
}

/**
 * first-pass v2 on 9 known items: 6 of 8 answers right, one refusal. From
 * the top: right at 0.98, 0.95, 0.9, 0.85, wrong at 0.8, right at 0.7 and
 * 0.6, wrong at 0.55: 95% precision is reached down to 0.85, covering 4
 * of 9 items.
 */
const V2_ROWS = knownRows([
  ['yes', 'yes', 0.98],
  ['no', 'no', 0.95],
  ['yes', 'yes', 0.9],
  ['yes', 'yes', 0.85],
  ['no', 'yes', 0.8],
  ['yes', 'yes', 0.7],
  ['no', 'no', 0.6],
  ['yes', 'no', 0.55],
  [undefined, 'yes', undefined],
]);
/** v1: wrong at the top, 4 of 8 right. */
const V1_ROWS = knownRows([
  ['no', 'yes', 0.97],
  ['no', 'no', 0.9],
  ['yes', 'yes', 0.8],
  ['no', 'yes', 0.75],
  ['yes', 'yes', 0.7],
  ['yes', 'no', 0.65],
  ['no', 'no', 0.6],
  ['no', 'yes', 0.5],
]);

/** Polling runs every second: what it brings may take two rounds. */
const POLLED = { timeout: 4000 };

const rowTexts = (table: HTMLElement) =>
  within(table)
    .getAllByRole('row')
    .map(r => r.textContent);

/** The editor's form (not the dry run's or the job's). */
const editorForm = () =>
  screen.getByRole('form', { name: /^(Edit .*|New LLM annotator)$/ });

/** An input of the editor by its label (not the version compare). */
const input = (label: string) => within(editorForm()).getByLabelText(label);

const change = (label: string, value: string) =>
  fireEvent.change(input(label), { target: { value } });

export function describeLlmPages(render: RenderChorusAt) {
  const setup = (fake = fakeAnnotationApi()) => {
    const signals = fakeSignals();
    return {
      fake,
      render: (path: string) =>
        render(path, { annotation: fake.api, signals: signals.api }),
    };
  };
  const withAnnotators = () =>
    setup(fakeAnnotationApi({ llm: { annotators: sampleAnnotators() } }));
  const user = () => userEvent.setup({ pointerEventsCheck: 0 });

  /** Opens an annotator of the list in its editor. */
  const open = async (u: ReturnType<typeof userEvent.setup>, name: string) => {
    await u.click(await screen.findByRole('button', { name }));
    return screen.findByRole('form', { name: `Edit ${name}` });
  };

  describe('LlmAnnotatorsPage', () => {
    it('lists the providers and the LLM annotators with their current version', async () => {
      const { render: at } = withAnnotators();
      await at(LLM_PATH);

      expect(
        await screen.findByRole('heading', {
          name: 'Track placement relevance: LLM annotators',
        }),
      ).toBeInTheDocument();
      expect(
        rowTexts(await screen.findByRole('table', { name: 'Providers' })),
      ).toEqual([
        'IdTitleDefault modelModelsRate limits',
        'openaiOpenAIgpt-4o-minigpt-4o-mini, gpt-4o500 requests/min · 200,000 tokens/min',
        'simulatorChorus LLM simulator simulatedsim-1sim-1none',
      ]);
      const list = screen.getByRole('table', { name: 'LLM annotators' });
      expect(
        rowTexts(list).map(t => t?.replace(/\d+\/\d+\/\d+.*$/, '<date>')),
      ).toEqual([
        'NameVersionProvider / modelRoleUpdated',
        'first-pass2openai / gpt-4o-minivote<date>',
        'gate1simulator / sim-1 (default)auto-accept ≥ 0.92 (audit 10%)<date>',
      ]);
      // no editor until one is chosen
      expect(screen.queryByRole('form')).toBeNull();
    });

    it('creates one: client issues at their fields before anything is sent, then version 1', async () => {
      const { fake, render: at } = withAnnotators();
      const u = user();
      await at(LLM_PATH);
      await u.click(
        await screen.findByRole('button', { name: 'New LLM annotator' }),
      );
      const form = await screen.findByRole('form', {
        name: 'New LLM annotator',
      });
      // the placeholders the template may use, from the project's questions
      expect(screen.getByLabelText('Placeholders')).toHaveTextContent(
        '{{ data.track_title }}{{ data }}{{ externalId }}{{ instructions }}{{ questions }}',
      );
      // the prompt as a sample item renders it, and the output schema
      expect(
        within(
          screen.getByRole('region', { name: 'Rendered Prompt' }),
        ).getByText(/Does the track belong on the artist page\?/),
      ).toBeInTheDocument();
      expect(screen.getByLabelText('Answer JSON schema')).toHaveTextContent(
        '"enum": [ "yes", "no", "unsure" ]',
      );

      // an issue shows at its field as soon as the field is edited
      change('Name', 'Second Pass');
      change('Temperature', '3');
      expect(input('Name')).toHaveAccessibleDescription(
        /lowercase letters, digits and dashes/,
      );
      expect(input('Temperature')).toHaveAccessibleDescription(
        'a number from 0 to 2 expected',
      );
      await u.click(within(form).getByRole('button', { name: 'Create' }));
      expect(await screen.findByText('2 problems to fix')).toBeInTheDocument();
      expect(fake.api.createLlmAnnotator).not.toHaveBeenCalled();

      change('Name', 'second-pass');
      change('Temperature', '0.2');
      change('Model', 'gpt-4o');
      change(
        'Prompt template',
        'Title: {{ data.track_title }}\n{{ questions }}',
      );
      expect(
        within(
          screen.getByRole('region', { name: 'Rendered Prompt' }),
        ).getByText(/Title: ‹track_title›/),
      ).toBeInTheDocument();
      await u.click(within(form).getByRole('button', { name: 'Create' }));

      expect(
        await screen.findByRole('form', { name: 'Edit second-pass' }),
      ).toBeInTheDocument();
      expect(screen.getByText('Saved version 1')).toBeInTheDocument();
      expect(fake.api.createLlmAnnotator).toHaveBeenCalledWith(
        'p-track',
        'second-pass',
        // the parsed config: defaults filled in, as the backend stores it
        llmConfig({
          model: 'gpt-4o',
          temperature: 0.2,
          promptTemplate: 'Title: {{ data.track_title }}\n{{ questions }}',
        }),
      );
      await waitFor(() =>
        expect(
          rowTexts(screen.getByRole('table', { name: 'LLM annotators' }))[3],
        ).toMatch(/^second-pass1openai \/ gpt-4o/),
      );
      expect(screen.getByText('second-pass: version 1')).toBeInTheDocument();
    });

    it("places the server's refusals at their fields", async () => {
      const { fake, render: at } = withAnnotators();
      const u = user();
      await at(LLM_PATH);
      await u.click(
        await screen.findByRole('button', { name: 'New LLM annotator' }),
      );
      const form = await screen.findByRole('form', {
        name: 'New LLM annotator',
      });
      change('Name', 'first-pass');
      change('Prompt template', '{{ data.lyrics }} {{ questions }}');
      // only the server knows the items' fields: the preview says so
      expect(
        screen.getByText(/Not a question's field, empty here: data.lyrics/),
      ).toBeInTheDocument();
      await u.click(within(form).getByRole('button', { name: 'Create' }));

      expect(
        await screen.findByText(/Chorus did not save the LLM annotator/),
      ).toBeInTheDocument();
      expect(input('Prompt template')).toHaveAccessibleDescription(
        "{{ data.lyrics }}: not a field of this project's items (known: page_artist, track_artist, track_title)",
      );

      // a field the items have passes; the name is taken
      change('Prompt template', '{{ data.page_artist }} {{ questions }}');
      expect(input('Prompt template')).not.toHaveAccessibleDescription(
        /not a field/,
      );
      await u.click(within(form).getByRole('button', { name: 'Create' }));
      await waitFor(() =>
        expect(input('Name')).toHaveAccessibleDescription(
          'this project already has an LLM annotator named "first-pass"',
        ),
      );
      expect(fake.api.createLlmAnnotator).toHaveBeenCalledTimes(2);
      expect(fake.llm.annotators).toHaveLength(2);
    });

    it('saves a change as a new version, and says when nothing changed', async () => {
      const { fake, render: at } = withAnnotators();
      const u = user();
      await at(LLM_PATH);
      const form = await open(u, 'first-pass');
      expect(input('Temperature')).toHaveValue(0.3);
      expect(input('Model')).toHaveValue('gpt-4o-mini');

      change('Temperature', '0.5');
      await u.click(within(form).getByRole('button', { name: 'Save' }));
      expect(await screen.findByText('Saved version 3')).toBeInTheDocument();
      expect(fake.api.updateLlmAnnotator).toHaveBeenLastCalledWith(
        'p-track',
        'llm-a',
        expect.objectContaining({ temperature: 0.5 }),
      );
      await screen.findByText('first-pass: version 3');
      expect(
        within(screen.getByRole('table', { name: 'Versions' })).getAllByRole(
          'row',
        ),
      ).toHaveLength(4);

      await u.click(within(form).getByRole('button', { name: 'Save' }));
      expect(
        await screen.findByText('No change: version 3 is current'),
      ).toBeInTheDocument();
      expect(fake.llm.annotators[0].versions).toHaveLength(3);
      // an edit clears what the last save said
      change('Temperature', '0.6');
      expect(screen.queryByText(/No change/)).toBeNull();
    });

    it('shows the versions, who saved each and when, and compares two field by field', async () => {
      const { render: at } = withAnnotators();
      const u = user();
      await at(LLM_PATH);
      await open(u, 'first-pass');

      const versions = screen.getByRole('table', { name: 'Versions' });
      expect(
        rowTexts(versions).map(t => t?.replace(/\d+\/\d+\/\d+.*$/, '<date>')),
      ).toEqual([
        'VersionSaved byWhen',
        '2 currentjonas.berg<date>',
        '1lena.fischer<date>',
      ]);

      // the previous version against the current one
      const changes = screen.getByRole('table', {
        name: 'Changes from version 1 to version 2',
      });
      const rows = within(changes).getAllByRole('row');
      expect(
        rows.map(r => (r as HTMLTableRowElement).cells[0].textContent),
      ).toEqual(['Field', 'Model', 'Prompt template', 'Temperature']);
      expect(rows[1]).toHaveTextContent('not setgpt-4o-mini');
      expect(rows[3]).toHaveTextContent('00.3');
      // the prompt, line by line
      const marked = (op: string) =>
        [...rows[2].querySelectorAll(`[data-op="${op}"]`)].map(
          l => l.textContent,
        );
      expect(marked('removed')).toEqual([
        '- Does "{{ data.track_title }}" belong?',
      ]);
      expect(marked('added')).toEqual([
        '+ Track: {{ data.track_title }}',
        '+ Artist: {{ data.track_artist }}',
      ]);
      expect(marked('same')).toEqual(['  {{ questions }}']);

      fireEvent.change(screen.getByLabelText('From version'), {
        target: { value: '2' },
      });
      expect(
        screen.getByText('Choose two different versions to compare.'),
      ).toBeInTheDocument();
    });

    it('edits few-shot examples and the auto-accept settings, each issue at its field', async () => {
      const { fake, render: at } = withAnnotators();
      const u = user();
      await at(LLM_PATH);
      const form = await open(u, 'gate');
      expect(
        screen.getByText(
          'One version so far: each save that changes the config adds one.',
        ),
      ).toBeInTheDocument();
      expect(input('Auto-accept threshold')).toHaveValue(0.92);
      expect(input('Audit rate')).toHaveValue(0.1);

      change('Few-shot examples', 'fixed');
      change('Fixed examples', '[{"data": {}, ');
      expect(input('Fixed examples')).toHaveAccessibleDescription(
        /^not valid JSON \(.*\); a list of \{ "data": \{…\}, "answer": \{…\} \} expected$/,
      );
      change(
        'Fixed examples',
        JSON.stringify([
          { data: { track_title: 'Song' }, answer: { belongs: 'maybe' } },
        ]),
      );
      expect(input('Fixed examples')).toHaveAccessibleDescription(
        /^\[0\]\.answer\.belongs: /,
      );
      change(
        'Fixed examples',
        JSON.stringify([
          { data: { track_title: 'Song' }, answer: { belongs: 'yes' } },
        ]),
      );
      change('Auto-accept threshold', '1.5');
      expect(input('Auto-accept threshold')).toHaveAccessibleDescription(
        'a confidence between 0 and 1 expected',
      );
      await u.click(within(form).getByRole('button', { name: 'Save' }));
      expect(await screen.findByText('1 problem to fix')).toBeInTheDocument();
      expect(fake.api.updateLlmAnnotator).not.toHaveBeenCalled();

      change('Auto-accept threshold', '0.95');
      await u.click(within(form).getByRole('button', { name: 'Save' }));
      expect(await screen.findByText('Saved version 2')).toBeInTheDocument();
      expect(fake.llm.annotators[1].versions[1].config).toMatchObject({
        role: 'auto-accept',
        autoAccept: { threshold: 0.95, auditRate: 0.1 },
        fewShot: {
          source: 'fixed',
          examples: [
            { data: { track_title: 'Song' }, answer: { belongs: 'yes' } },
          ],
        },
      });

      // another role drops the auto-accept settings from the config
      change('Role', 'prelabel');
      expect(within(form).queryByLabelText('Auto-accept threshold')).toBeNull();
      await u.click(
        within(form).getByRole('checkbox', {
          name: 'Show the suggestion in blind projects too',
        }),
      );
      await u.click(within(form).getByRole('button', { name: 'Save' }));
      expect(await screen.findByText('Saved version 3')).toBeInTheDocument();
      const saved = fake.llm.annotators[1].versions[2].config;
      expect(saved.autoAccept).toBeUndefined();
      expect(saved).toMatchObject({ role: 'prelabel', prelabelInBlind: true });
    });

    it('dry-runs the saved version, then the unsaved edits, each item with its prompt, output, figures and errors', async () => {
      const { fake, render: at } = setup(
        fakeAnnotationApi({
          llm: {
            annotators: sampleAnnotators(),
            dryRun: {
              // model output is shown as text, never as markup
              'track-0001': {
                rawOutput:
                  '{"belongs": "yes"} <img src=x onerror="window.__dryRunRan = true">',
              },
              'track-0002': {
                status: 'error',
                answer: undefined,
                rawOutput: undefined,
                confidence: undefined,
                tokensIn: 0,
                tokensOut: 0,
                cost: 0,
                attempts: 3,
                error: 'the provider did not answer in 30 s (timeout)',
              },
              'track-0003': {
                status: 'invalid',
                answer: undefined,
                rawOutput: 'maybe?',
                reason: 'the output is not JSON',
              },
            },
          },
        }),
      );
      const u = user();
      await at(LLM_PATH);
      await open(u, 'first-pass');
      const card = screen.getByRole('form', { name: 'Dry run' });
      expect(
        screen.getByText(/Real items through version 2: nothing is stored/),
      ).toBeInTheDocument();
      await u.click(within(card).getByRole('button', { name: 'Dry run' }));

      const results = await screen.findByRole('region', {
        name: 'Dry run results',
      });
      expect(fake.api.dryRunLlmAnnotator).toHaveBeenLastCalledWith(
        'p-track',
        'llm-a',
        { count: 3, version: 2 },
      );
      expect(within(results).getByRole('status')).toHaveTextContent(
        '3 items: 1 answered · 260 tokens · cost 0.0000456',
      );
      const first = within(results).getByRole('region', {
        name: 'Dry run of track-0001',
      });
      expect(
        within(first).getByLabelText('Figures of track-0001'),
      ).toHaveTextContent(
        'confidence 0.91 · 121 + 8 tokens · cost 0.0000228 · 230 ms · 1 attempt · gpt-4o-mini',
      );
      // the system prompt, the item as rendered ending with its id, the
      // raw output (text, never markup), the parsed answer
      const parts = [...first.querySelectorAll('pre')].map(
        pre => pre.textContent,
      );
      expect(parts).toHaveLength(4);
      expect(parts[1]).toMatch(
        /^Track: Song number 1\nArtist: Velvet Static\n[\s\S]*\n\nid: track-0001$/,
      );
      expect(parts[2]).toBe(
        '{"belongs": "yes"} <img src=x onerror="window.__dryRunRan = true">',
      );
      expect(first.querySelector('img')).toBeNull();
      expect((window as any).__dryRunRan).toBeUndefined();
      expect(parts[3]).toBe('{\n  "belongs": "yes"\n}');
      expect(within(first).queryByRole('alert')).toBeNull();
      // failures say what went wrong, first
      const second = within(results).getByRole('region', {
        name: 'Dry run of track-0002',
      });
      expect(within(second).getByRole('alert')).toHaveTextContent(
        'error: the provider did not answer in 30 s (timeout)',
      );
      expect(
        within(second).getByLabelText('Figures of track-0002'),
      ).toHaveTextContent(
        'no confidence · 0 + 0 tokens · cost 0 · 230 ms · 3 attempts',
      );
      expect(
        within(
          within(results).getByRole('region', {
            name: 'Dry run of track-0003',
          }),
        ).getByRole('alert'),
      ).toHaveTextContent('invalid output: the output is not JSON');

      // an edit is tried as it is, unsaved, on the items named
      change('Temperature', '0.5');
      expect(
        screen.getByText(
          /Real items through the edited config \(unsaved\): nothing is stored/,
        ),
      ).toBeInTheDocument();
      await u.click(
        within(card).getByRole('radio', { name: 'These item ids' }),
      );
      fireEvent.change(within(card).getByLabelText('Item ids'), {
        target: { value: '2, x' },
      });
      await u.click(within(card).getByRole('button', { name: 'Dry run' }));
      expect(
        within(card).getByLabelText('Item ids'),
      ).toHaveAccessibleDescription(
        '1 to 5 item ids (numbers, separated by commas) expected',
      );
      expect(fake.api.dryRunLlmAnnotator).toHaveBeenCalledTimes(1);
      fireEvent.change(within(card).getByLabelText('Item ids'), {
        target: { value: '2, 4' },
      });
      await u.click(within(card).getByRole('button', { name: 'Dry run' }));
      await waitFor(() =>
        expect(fake.api.dryRunLlmAnnotator).toHaveBeenCalledTimes(2),
      );
      expect(fake.api.dryRunLlmAnnotator).toHaveBeenLastCalledWith(
        'p-track',
        'llm-a',
        {
          itemIds: ['2', '4'],
          config: expect.objectContaining({ temperature: 0.5 }),
        },
      );
      expect(
        await screen.findByRole('region', { name: 'Dry run of track-0004' }),
      ).toBeInTheDocument();
      // an unknown item: the server's reason
      fireEvent.change(within(card).getByLabelText('Item ids'), {
        target: { value: '99' },
      });
      await u.click(within(card).getByRole('button', { name: 'Dry run' }));
      expect(
        await screen.findByText('item 99 not found in this project'),
      ).toBeInTheDocument();
    });

    it('starts a job over the gold items with a budget, shows its live progress, pauses, resumes and cancels it', async () => {
      const { fake, render: at } = setup(
        fakeAnnotationApi({
          llm: {
            annotators: sampleAnnotators(),
            states: { '1': 'gold', '2': 'gold', '3': 'gold', '4': 'gold' },
          },
        }),
      );
      const u = user();
      await at(LLM_PATH);
      await open(u, 'gate');
      expect(
        await screen.findByText('No job of this annotator yet.'),
      ).toBeInTheDocument();
      const form = screen.getByRole('form', { name: 'Start a job' });
      fireEvent.change(within(form).getByLabelText('Items'), {
        target: { value: 'filter' },
      });
      // gold is what the evaluation measures: chosen to begin with
      expect(
        within(form).getByRole('checkbox', { name: 'gold' }),
      ).toBeChecked();
      expect(
        within(form).getByRole('checkbox', { name: 'open' }),
      ).not.toBeChecked();
      fireEvent.change(within(form).getByLabelText('Budget (cost)'), {
        target: { value: '-1' },
      });
      await u.click(within(form).getByRole('button', { name: 'Start job' }));
      expect(
        within(form).getByLabelText('Budget (cost)'),
      ).toHaveAccessibleDescription(
        'a positive number expected (empty: no budget)',
      );
      expect(fake.api.startLlmJob).not.toHaveBeenCalled();

      fireEvent.change(within(form).getByLabelText('Budget (cost)'), {
        target: { value: '0.5' },
      });
      await u.click(within(form).getByRole('button', { name: 'Start job' }));
      expect(
        await screen.findByText('Started a job over 4 items'),
      ).toBeInTheDocument();
      expect(fake.api.startLlmJob).toHaveBeenCalledWith('p-track', 'llm-b', {
        version: 1,
        scope: { kind: 'filter', states: ['gold'] },
        mode: 'online',
        budgetCost: 0.5,
      });
      const jobs = await screen.findByRole('table', { name: 'Jobs' });
      const row = () => within(jobs).getAllByRole('row')[1];
      await waitFor(() => expect(row()).toHaveTextContent('0 / 4 done'));
      expect(row()).toHaveTextContent('Items gold');
      expect(row()).toHaveTextContent('running');

      // the runners work: the page asks again while the job runs
      fake.llm.advance('job-1', {
        done: 2,
        failed: { 'rate-limit': 1 },
        tokensIn: 1200,
        tokensOut: 40,
        cost: 0.0002,
        inFlight: 1,
        latencyMs: { count: 2, p50: 210, p95: 1450 },
      });
      await waitFor(
        () => expect(row()).toHaveTextContent('2 / 4 done'),
        POLLED,
      );
      expect(row()).toHaveTextContent('1 failed: rate-limit 1');
      expect(row()).toHaveTextContent('1 in flight, 1 pending');
      expect(row()).toHaveTextContent('1,200 in / 40 out');
      expect(row()).toHaveTextContent('0.0002of 0.5');
      expect(row()).toHaveTextContent('p50 210 ms · p95 1.5 s');
      expect(row()).toHaveTextContent(/[\d,.]+ items\/min/);

      await u.click(within(row()).getByRole('button', { name: 'Pause' }));
      await waitFor(() => expect(row()).toHaveTextContent('paused'));
      expect(fake.api.controlLlmJob).toHaveBeenLastCalledWith(
        'p-track',
        'job-1',
        'pause',
      );
      expect(within(row()).queryByRole('button', { name: 'Pause' })).toBeNull();
      await u.click(within(row()).getByRole('button', { name: 'Resume' }));
      await waitFor(() => expect(row()).toHaveTextContent('running'));
      expect(fake.api.controlLlmJob).toHaveBeenLastCalledWith(
        'p-track',
        'job-1',
        'resume',
      );
      await u.click(within(row()).getByRole('button', { name: 'Cancel' }));
      await waitFor(() => expect(row()).toHaveTextContent('cancelled'));
      expect(fake.api.controlLlmJob).toHaveBeenLastCalledWith(
        'p-track',
        'job-1',
        'cancel',
      );
      expect(within(row()).queryAllByRole('button')).toHaveLength(0);
    });

    it('evaluates a version against the known items and saves its recommended threshold as a new version', async () => {
      const { fake, render: at } = setup(
        fakeAnnotationApi({
          llm: {
            annotators: sampleAnnotators(),
            evaluationRows: { 'llm-a@2': V2_ROWS },
          },
        }),
      );
      const u = user();
      await at(LLM_PATH);
      await open(u, 'first-pass');
      const question = await screen.findByRole('region', {
        name: 'Evaluation of Does the track belong on the artist page?',
      });
      expect(fake.api.evaluateLlmAnnotator).toHaveBeenCalledWith(
        'p-track',
        'llm-a',
        { version: 2, targetPrecision: 0.95 },
      );
      const figure = (label: string) => within(question).getByLabelText(label);
      expect(figure('Known items')).toHaveTextContent('9 (8 answered)');
      expect(figure('Accuracy')).toHaveTextContent('75%');
      expect(figure('Accuracy, abstentions as wrong')).toHaveTextContent(
        '66.7%',
      );
      expect(figure('Kappa with consensus')).toHaveTextContent(
        /^\d\.\d\d · [a-z ]+$/,
      );
      // Σ n/N |accuracy − confidence| over the bins with answers
      expect(figure('Calibration error (ECE)')).toHaveTextContent('0.259');
      expect(figure('Threshold for 95%')).toHaveTextContent('0.85');
      expect(figure('Coverage at the target')).toHaveTextContent('44.4%');
      // 9 requests at 0.001 for the 4 labels accepted
      expect(figure('Cost per accepted label')).toHaveTextContent('0.00225');
      expect(
        rowTexts(
          within(question).getByRole('table', {
            name: 'Accuracy per label of Does the track belong on the artist page?',
          }),
        ),
      ).toEqual(['LabelKnown itemsAccuracy', 'yes666.7%', 'no366.7%']);
      expect(
        within(question).getByRole('img', {
          name: /^Reliability curve of Does the track belong on the artist page\?: 0% right at confidence 0.55 \(1\)/,
        }),
      ).toBeInTheDocument();
      expect(
        within(question).getByRole('img', {
          name: 'Risk-coverage curve of Does the track belong on the artist page?: 8 thresholds; target precision 95%, reached at threshold 0.85 with coverage 44.4%',
        }),
      ).toBeInTheDocument();

      // a lower target accepts more
      fireEvent.change(screen.getByLabelText('Target precision'), {
        target: { value: '0.8' },
      });
      await waitFor(() =>
        expect(
          within(
            screen.getByRole('region', { name: 'Recommended threshold' }),
          ).getByLabelText('Recommended threshold'),
        ).toHaveTextContent('0.6'),
      );
      expect(fake.api.evaluateLlmAnnotator).toHaveBeenLastCalledWith(
        'p-track',
        'llm-a',
        expect.objectContaining({ targetPrecision: 0.8 }),
      );
      fireEvent.change(screen.getByLabelText('Target precision'), {
        target: { value: '1.5' },
      });
      expect(
        screen.getByLabelText('Target precision'),
      ).toHaveAccessibleDescription('a number above 0 and at most 1 expected');
      fireEvent.change(screen.getByLabelText('Target precision'), {
        target: { value: '0.95' },
      });
      const recommended = screen.getByRole('region', {
        name: 'Recommended threshold',
      });
      await waitFor(() =>
        expect(
          within(recommended).getByLabelText('Recommended threshold'),
        ).toHaveTextContent('0.85'),
      );
      expect(recommended).toHaveTextContent(
        'Accepts 44.4% of the known items, 100% of them right.',
      );

      await u.click(
        within(recommended).getByRole('button', { name: 'Use this threshold' }),
      );
      expect(
        await within(recommended).findByText(
          'Saved version 3: auto-accept at confidence ≥ 0.85',
        ),
      ).toBeInTheDocument();
      expect(fake.api.updateLlmAnnotator).toHaveBeenCalledTimes(1);
      expect(fake.api.updateLlmAnnotator).toHaveBeenCalledWith(
        'p-track',
        'llm-a',
        {
          ...fake.llm.annotators[0].versions[1].config,
          role: 'auto-accept',
          autoAccept: { threshold: 0.85, auditRate: 0.05 },
        },
      );
      // the new version everywhere: list, editor, history
      await waitFor(() =>
        expect(
          rowTexts(screen.getByRole('table', { name: 'LLM annotators' }))[1],
        ).toMatch(
          /^first-pass3openai \/ gpt-4o-miniauto-accept ≥ 0.85 \(audit 5%\)/,
        ),
      );
      await screen.findByText('first-pass: version 3');
      expect(input('Role')).toHaveValue('auto-accept');
      expect(input('Auto-accept threshold')).toHaveValue(0.85);
      expect(
        within(screen.getByRole('table', { name: 'Versions' })).getAllByRole(
          'row',
        ),
      ).toHaveLength(4);
      expect(
        within(recommended).getByRole('button', { name: 'Use this threshold' }),
      ).toBeDisabled();
    });

    it('compares two versions side by side, and reloads the evaluation when a job ends', async () => {
      const { fake, render: at } = setup(
        fakeAnnotationApi({
          llm: {
            annotators: sampleAnnotators(),
            evaluationRows: { 'llm-a@1': V1_ROWS },
            states: { '1': 'gold', '2': 'gold' },
          },
        }),
      );
      const u = user();
      await at(LLM_PATH);
      await open(u, 'first-pass');
      // version 2 has answered no known item yet
      expect(
        await screen.findByText(
          /Version 2 has not answered any item whose answer is known yet/,
        ),
      ).toBeInTheDocument();

      // a job of version 2 over the gold items ends: the figures come
      const form = screen.getByRole('form', { name: 'Start a job' });
      fireEvent.change(within(form).getByLabelText('Items'), {
        target: { value: 'filter' },
      });
      await u.click(within(form).getByRole('button', { name: 'Start job' }));
      await screen.findByText('Started a job over 2 items');
      await waitFor(() =>
        expect(
          within(screen.getByRole('table', { name: 'Jobs' })).getAllByRole(
            'row',
          ),
        ).toHaveLength(2),
      );
      fake.llm.evaluationRows.set('llm-a@2', V2_ROWS);
      fake.llm.advance('job-1', { done: 2 });
      await waitFor(
        () =>
          expect(
            within(screen.getByRole('table', { name: 'Jobs' })).getAllByRole(
              'row',
            )[1],
          ).toHaveTextContent('completed'),
        POLLED,
      );
      expect(
        await screen.findByRole('region', {
          name: 'Evaluation of Does the track belong on the artist page?',
        }),
      ).toBeInTheDocument();

      // the previous version against the current one, at the same target
      const compare = screen.getByRole('region', { name: 'Compare versions' });
      const table = await within(compare).findByRole('table', {
        name: 'Version 1 against version 2',
      });
      expect(rowTexts(table)).toEqual([
        'FigureVersion 1Version 2',
        'Known items89',
        'Accuracy50%75%',
        'Accuracy, abstentions as wrong50%66.7%',
        expect.stringMatching(
          /^Kappa with consensus-?\d\.\d\d · .+\d\.\d\d · .+$/,
        ),
        expect.stringMatching(/^Calibration error \(ECE\)0\.\d{3}0\.259$/),
        'Threshold at the targetnot reached0.85',
        'Coverage at the target—44.4%',
        'Cost per accepted label—0.00225',
      ]);
      fireEvent.change(within(compare).getByLabelText('With version'), {
        target: { value: '1' },
      });
      expect(
        within(compare).getByText('Choose two different versions to compare.'),
      ).toBeInTheDocument();
    });

    it('tells an annotator that LLM annotators are not for them', async () => {
      const fake = fakeAnnotationApi();
      fake.api.listLlmAnnotators.mockRejectedValue(
        responseError(
          403,
          'reading LLM annotators is not allowed: it needs the annotation.project.metrics.read permission',
        ),
      );
      const { render: at } = setup(fake);
      await at(LLM_PATH);
      expect(
        await screen.findByText(
          /LLM annotators are for managers and quality analysts/,
        ),
      ).toBeInTheDocument();
    });

    it('is linked from the project overview for those who may read it', async () => {
      const { render: at } = withAnnotators();
      await at(PROJECT_PATH);
      const facts = await screen.findByRole('table', { name: 'Project facts' });
      expect(
        await within(facts).findByText('LLM annotators'),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('button', { name: 'LLM annotators' }),
      ).toHaveAttribute('href', LLM_PATH);
    });

    it('is not linked for those who may not read it', async () => {
      const fake = fakeAnnotationApi();
      fake.api.listLlmAnnotators.mockRejectedValue(responseError(403, 'no'));
      const { render: at } = setup(fake);
      await at(PROJECT_PATH);
      await screen.findByRole('table', { name: 'Project facts' });
      await waitFor(() =>
        expect(fake.api.listLlmAnnotators).toHaveBeenCalled(),
      );
      expect(
        screen.queryByRole('button', { name: 'LLM annotators' }),
      ).toBeNull();
    });
  });
}
