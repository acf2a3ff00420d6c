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
import { FakeLlmAnnotator, llmConfig } from './fakeLlmApi';

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

const rowTexts = (table: HTMLElement) =>
  within(table)
    .getAllByRole('row')
    .map(r => r.textContent);

/** A form input by its label (the form's own, not the version compare). */
const input = (label: string) =>
  within(screen.getByRole('form')).getByLabelText(label);

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
