/* eslint-disable jest/no-export -- a shared suite, not a test file of its own */
/*
 * The Chorus pages' behaviour, run once per frontend system (legacy
 * ChorusPage in plugin.test.tsx, the new system's page extension in
 * alpha.test.tsx): each system supplies how to render the app at a path.
 */
import { SignalApi } from '@backstage/plugin-signals-react';
import { ProjectConfigInput } from '@chorus/plugin-annotation-common';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AnnotationApi } from '../api';
import {
  fakeAnnotationApi,
  projectRecord,
  responseError,
  sampleQualityMetrics,
  trackConfigInput,
  trackItems,
} from './fakeAnnotationApi';

export type RenderChorusAt = (
  path: string,
  apis: { annotation: AnnotationApi; signals: SignalApi },
) => Promise<unknown> | unknown;

/** A signals API whose channels the test publishes on. */
export function fakeSignals() {
  const channels = new Map<string, Set<(message: any) => void>>();
  const api: SignalApi = {
    subscribe(channel, onMessage) {
      const set = channels.get(channel) ?? new Set();
      set.add(onMessage as (message: any) => void);
      channels.set(channel, set);
      return { unsubscribe: () => set.delete(onMessage as any) };
    },
  };
  return {
    api,
    subscribed: (channel: string) => (channels.get(channel)?.size ?? 0) > 0,
    publish(channel: string, message: object) {
      act(() => channels.get(channel)?.forEach(cb => cb(message)));
    },
  };
}

const mixedConfig: ProjectConfigInput = {
  ...trackConfigInput,
  instructions: 'Pick the genres, rate the mix, say why.',
  questions: [
    {
      id: 'genres',
      type: 'multiple-choice',
      title: 'Which genres?',
      field: 'track_title',
      labels: ['pop', 'rock', 'jazz'],
    },
    {
      id: 'mix',
      type: 'ordinal-rating',
      title: 'How good is the mix?',
      field: 'track_title',
      min: 1,
      max: 5,
      minLabel: 'muddy',
      maxLabel: 'crisp',
    },
    {
      id: 'why',
      type: 'free-text',
      title: 'Why?',
      field: 'track_artist',
      required: false,
    },
  ],
};

const PROJECT_PATH = '/chorus/projects/p-track';
const LABEL_PATH = `${PROJECT_PATH}/label`;

function itemTexts(text: string) {
  return within(screen.getByRole('region', { name: 'Item data' })).getAllByText(
    text,
  );
}

export function describeChorusPages(render: RenderChorusAt) {
  const setup = (fake = fakeAnnotationApi()) => {
    const signals = fakeSignals();
    return {
      fake,
      signals,
      render: (path: string) =>
        render(path, { annotation: fake.api, signals: signals.api }),
    };
  };

  describe('MyQueuesPage', () => {
    it('lists my queues with their counts and the projects I can read', async () => {
      const project = projectRecord();
      const paused = projectRecord({
        id: 'p-paused',
        title: 'Podcast policy re-review',
        status: 'paused',
      });
      const { render: at } = setup(
        fakeAnnotationApi({
          queues: [
            { project, remainingForMe: 42, myAnnotations: 7, mySkips: 2 },
          ],
          projects: [project, paused],
        }),
      );
      await at('/chorus');

      // LinkButton: a link (href) that MUI gives the button role
      const start = await screen.findByRole('button', {
        name: 'Start labeling Track placement relevance',
      });
      expect(start).toHaveAttribute('href', LABEL_PATH);
      const row = start.closest('tr')!;
      // the count is the caller's own: items they answered are not in it
      expect(screen.getByText('Left for me')).toBeInTheDocument();
      expect(within(row).getByText('42')).toBeInTheDocument();
      expect(within(row).getByText('7')).toBeInTheDocument();
      expect(within(row).getByText('2')).toBeInTheDocument();
      expect(
        within(row).getByText(
          'Does the track belong on the artist page? (single choice)',
        ),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('link', { name: 'Podcast policy re-review' }),
      ).toHaveAttribute('href', '/chorus/projects/p-paused');
      expect(screen.getByText('paused')).toBeInTheDocument();
    });

    it('explains an empty queue list', async () => {
      const { render: at } = setup(fakeAnnotationApi({ queues: [] }));
      await at('/chorus');
      expect(
        await screen.findByText('No labeling queue for you'),
      ).toBeInTheDocument();
      expect(
        screen.getByText(/You are not an annotator of any active project/),
      ).toBeInTheDocument();
      // the projects I can read are still listed
      expect(
        screen.getByRole('link', { name: 'Track placement relevance' }),
      ).toHaveAttribute('href', PROJECT_PATH);
    });
  });

  describe('LabelingWorkspace', () => {
    it('labels with the keyboard and shows the prefetched item at once', async () => {
      const { fake, render: at } = setup();
      const user = userEvent.setup();
      await at(LABEL_PATH);

      expect(await screen.findByText('Song number 1')).toBeInTheDocument();
      expect(itemTexts('Velvet Static')).toHaveLength(2);
      // instructions are markdown: bold renders, the script tag does not
      expect(
        await screen.findByText('yes', { selector: 'strong' }),
      ).toBeInTheDocument();
      await screen.findByText('The next item is ready.');
      expect(screen.getByRole('timer')).toHaveTextContent(
        /Lease expires in 9:5\d|10:00/,
      );
      // the item after next never comes: item 2 must not wait for it
      fake.api.next.mockImplementation(() => new Promise(() => {}));

      await user.keyboard('2');
      expect(
        screen.getByRole('radio', { name: /No, wrong artist/ }),
      ).toBeChecked();
      await user.keyboard('{Enter}');

      expect(await screen.findByText('Song number 2')).toBeInTheDocument();
      expect(fake.submitted).toEqual([
        expect.objectContaining({ itemId: '1', answer: { belongs: 'no' } }),
      ]);
      expect(screen.queryByText('Song number 1')).toBeNull();
      // a fresh form for the new item
      expect(
        screen.getByRole('radio', { name: /No, wrong artist/ }),
      ).not.toBeChecked();
      expect(
        screen.getByText('This session: 1 answered, 0 skipped.'),
      ).toBeInTheDocument();
    });

    it('shows a prelabel as a marked suggestion, filled in only when allowed', async () => {
      const suggestion = {
        source: 'llm' as const,
        annotator: 'first-pass',
        answer: { belongs: 'no' },
        confidence: 0.91,
        simulated: true,
        preselect: false,
      };
      const { render: at } = setup(
        fakeAnnotationApi({
          suggestions: {
            '1': suggestion,
            '2': { ...suggestion, preselect: true },
          },
        }),
      );
      const user = userEvent.setup();
      await at(LABEL_PATH);
      expect(await screen.findByText('Song number 1')).toBeInTheDocument();
      expect(
        screen.getByText(
          'From the LLM annotator first-pass (simulated), confidence 91%: check it, it may be wrong.',
        ),
      ).toBeInTheDocument();
      expect(screen.getByLabelText('Suggested answer')).toHaveTextContent(
        'Does the track belong on the artist page? no',
      );
      // blind project: shown, not filled in, until the annotator takes it
      const no = screen.getByRole('radio', { name: /No, wrong artist/ });
      expect(no).not.toBeChecked();
      await user.click(
        screen.getByRole('button', { name: 'Use the suggestion' }),
      );
      expect(no).toBeChecked();
      await user.click(screen.getByRole('button', { name: /^Submit/ }));
      // allowed here: the next item comes filled in
      expect(await screen.findByText('Song number 2')).toBeInTheDocument();
      expect(
        screen.getByRole('radio', { name: /No, wrong artist/ }),
      ).toBeChecked();
    });

    it('skips with S and the chosen reason', async () => {
      const { fake, render: at } = setup();
      const user = userEvent.setup();
      await at(LABEL_PATH);
      await screen.findByText('Song number 1');

      await user.keyboard('s');
      expect(await screen.findByText('Song number 2')).toBeInTheDocument();
      await user.selectOptions(
        screen.getByLabelText('Skip reason'),
        'cannot judge',
      );
      await user.click(document.body);
      await user.keyboard('S');
      expect(await screen.findByText('Song number 3')).toBeInTheDocument();
      expect(fake.skipped).toEqual([
        { itemId: '1', reason: 'skipped by annotator' },
        { itemId: '2', reason: 'cannot judge' },
      ]);
    });

    it('does not take keys typed in a free-text field as shortcuts; Ctrl+Enter submits', async () => {
      const { fake, render: at } = setup(
        fakeAnnotationApi({ config: mixedConfig }),
      );
      const user = userEvent.setup();
      await at(LABEL_PATH);
      await screen.findByText('Song number 1');

      // number keys toggle the first choice question's boxes
      await user.keyboard('13');
      expect(screen.getByRole('checkbox', { name: 'pop' })).toBeChecked();
      expect(screen.getByRole('checkbox', { name: 'jazz' })).toBeChecked();
      await user.keyboard('1');
      expect(screen.getByRole('checkbox', { name: 'pop' })).not.toBeChecked();

      // choosing in the rating makes it the question number keys answer
      await user.click(screen.getByRole('radio', { name: '2' }));
      await user.keyboard('4');
      expect(screen.getByRole('radio', { name: '4' })).toBeChecked();

      const why = screen.getByRole('textbox', { name: 'Why?' });
      await user.type(why, '1 s{Enter}2');
      expect(why).toHaveValue('1 s\n2');
      expect(screen.getByRole('radio', { name: '4' })).toBeChecked();
      expect(screen.getByRole('checkbox', { name: 'pop' })).not.toBeChecked();
      expect(fake.api.submit).not.toHaveBeenCalled();
      expect(fake.api.skip).not.toHaveBeenCalled();

      await user.keyboard('{Control>}{Enter}{/Control}');
      await screen.findByText('Song number 2');
      expect(fake.submitted).toEqual([
        expect.objectContaining({
          itemId: '1',
          answer: { genres: ['jazz'], mix: 4, why: '1 s\n2' },
        }),
      ]);
    });

    it('asks for a required answer instead of submitting', async () => {
      const { fake, render: at } = setup();
      const user = userEvent.setup();
      await at(LABEL_PATH);
      await screen.findByText('Song number 1');
      await user.keyboard('{Enter}');
      expect(await screen.findByText('is required')).toBeInTheDocument();
      expect(fake.api.submit).not.toHaveBeenCalled();
    });

    it('renews an expired lease and keeps the answer', async () => {
      const { fake, render: at } = setup();
      const user = userEvent.setup();
      await at(LABEL_PATH);
      await screen.findByText('The next item is ready.');
      fake.expire(fake.tokenOf('1')!);

      await user.keyboard('1{Enter}');

      expect(await screen.findByText('Song number 2')).toBeInTheDocument();
      expect(
        screen.getByText(
          /Your lease had expired; Chorus leased the item to you again and saved your answer/,
        ),
      ).toBeInTheDocument();
      expect(fake.submitted).toEqual([
        expect.objectContaining({ itemId: '1', answer: { belongs: 'yes' } }),
      ]);
    });

    it('says so when an expired item went to others', async () => {
      const { fake, render: at } = setup();
      const user = userEvent.setup();
      await at(LABEL_PATH);
      await screen.findByText('The next item is ready.');
      fake.expire(fake.tokenOf('1')!);
      fake.takeByOthers('1');

      await user.keyboard('1{Enter}');

      expect(
        await screen.findByText(
          /item track-0001 expired and the item is no longer available/,
        ),
      ).toBeInTheDocument();
      // the prefetched item comes next, as it would have anyway
      expect(screen.getByText('Song number 2')).toBeInTheDocument();
      await user.keyboard('1{Enter}');
      expect(await screen.findByText('Song number 3')).toBeInTheDocument();
      // the lost answer was never stored; the next one was
      expect(fake.submitted.map(a => a.itemId)).toEqual(['2']);
    });

    it('keeps the answer when the network fails and retries with the same key', async () => {
      const { fake, render: at } = setup();
      const user = userEvent.setup();
      await at(LABEL_PATH);
      await screen.findByText('Song number 1');
      fake.api.submit.mockRejectedValueOnce(new TypeError('Failed to fetch'));

      await user.keyboard('3{Enter}');
      expect(
        await screen.findByText(
          /Chorus could not be reached \(Failed to fetch\)/,
        ),
      ).toBeInTheDocument();
      expect(screen.getByRole('radio', { name: /Cannot tell/ })).toBeChecked();

      await user.keyboard('{Enter}');
      expect(await screen.findByText('Song number 2')).toBeInTheDocument();
      const keys = fake.api.submit.mock.calls.map(c => c[2].idempotencyKey);
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
    });

    it('renders markup in item data as inert text', async () => {
      const payload =
        '<script>window.__chorusPwned = true</script><img src="x" onerror="window.__chorusPwned = true">';
      const { render: at } = setup(
        fakeAnnotationApi({
          items: [
            {
              id: '1',
              externalId: 'evil',
              data: {
                track_title: payload,
                track_artist: '<b onmouseover="alert(1)">bold</b>',
              },
            },
          ],
        }),
      );
      await at(LABEL_PATH);

      expect(await screen.findByText(payload)).toBeInTheDocument();
      const region = screen.getByRole('region', { name: 'Item data' });
      expect(region.querySelector('script, img, b')).toBeNull();
      expect(
        within(region).getByText('<b onmouseover="alert(1)">bold</b>'),
      ).toBeInTheDocument();
      expect(document.querySelector('img[src="x"]')).toBeNull();
      expect((window as any).__chorusPwned).toBeUndefined();
      expect((window as any).__instructionsRan).toBeUndefined();
    });

    it('shows what it cannot answer yet and does not submit', async () => {
      const { fake, render: at } = setup(
        fakeAnnotationApi({
          config: {
            ...trackConfigInput,
            questions: [
              {
                id: 'evidence',
                type: 'text-spans',
                title: 'Mark the passages',
                field: 'track_title',
                labels: ['evidence'],
              },
            ],
          },
        }),
      );
      const user = userEvent.setup();
      await at(LABEL_PATH);
      expect(
        await screen.findByText(
          /text-spans questions are not supported in this page yet/,
        ),
      ).toBeInTheDocument();
      expect(screen.getByRole('button', { name: /Submit/ })).toBeDisabled();
      await user.keyboard('{Enter}');
      expect(fake.api.submit).not.toHaveBeenCalled();
    });

    it('ends with a link home when nothing is left', async () => {
      const { render: at } = setup(fakeAnnotationApi({ items: trackItems(0) }));
      await at(LABEL_PATH);
      expect(
        await screen.findByText('Nothing left to label'),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('button', { name: 'Back to my queues' }),
      ).toHaveAttribute('href', '/chorus');
    });

    it('explains a caller who may not label', async () => {
      const fake = fakeAnnotationApi();
      fake.api.next.mockRejectedValue(
        responseError(
          403,
          'annotation.item.label is not allowed for asking for work',
        ),
      );
      const { render: at } = setup(fake);
      await at(LABEL_PATH);
      expect(
        await screen.findByText(/Only the project's annotators can label it/),
      ).toBeInTheDocument();
    });
  });

  describe('ProjectOverviewPage', () => {
    const progress = {
      items: { total: 40, open: 30, full: 2, complete: 8, gold: 5 },
      annotations: 29,
      skips: 3,
      annotators: [
        {
          annotator: 'user:default/bo.lindqvist',
          annotations: 9,
          skips: 0,
          timeSpentMs: 90_000,
          medianTimeMs: 4_000,
        },
        {
          annotator: 'user:default/amara.okafor',
          annotations: 20,
          skips: 3,
          timeSpentMs: 200_000,
          medianTimeMs: 7_000,
        },
        {
          annotator: 'user:default/grace.liu',
          annotations: 0,
          skips: 1,
          timeSpentMs: 0,
        },
      ],
    };

    it('shows the project, its questions, progress and annotators', async () => {
      const { render: at } = setup(fakeAnnotationApi({ progress }));
      await at(PROJECT_PATH);

      expect(
        await screen.findByRole('heading', {
          name: 'Track placement relevance',
        }),
      ).toBeInTheDocument();
      const facts = screen.getByRole('table', { name: 'Project facts' });
      expect(within(facts).getByText('active')).toBeInTheDocument();
      expect(within(facts).getByText('3 answers per item')).toBeInTheDocument();
      expect(
        screen.getByText(
          'Yes, it belongs, No, wrong artist or version, Cannot tell',
        ),
      ).toBeInTheDocument();
      expect(await screen.findByLabelText('Annotations')).toHaveTextContent(
        '29',
      );
      expect(screen.getByLabelText('Complete')).toHaveTextContent('8');
      expect(screen.getByLabelText('Skips')).toHaveTextContent('3');
      // honeypots apart: completion is of the regular items
      expect(screen.getByLabelText('Gold')).toHaveTextContent('5');
      expect(screen.getByText('20% of items complete')).toBeInTheDocument();

      const rows = screen
        .getAllByRole('row')
        .filter(r => /okafor|lindqvist|liu/.test(r.textContent ?? ''));
      expect(
        screen.getByRole('columnheader', { name: 'Median per answer' }),
      ).toBeInTheDocument();
      // medians from the backend, not time spent / answers (10 s for both)
      expect(rows.map(r => r.textContent)).toEqual([
        'amara.okafor2033 min 20 s7 s',
        'bo.lindqvist901 min 30 s4 s',
        'grace.liu010 s—',
      ]);
      // an annotator of the project may start labeling from here
      expect(
        screen.getByRole('button', { name: 'Start labeling' }),
      ).toHaveAttribute('href', LABEL_PATH);
    });

    it("offers labeling only to the project's annotators", async () => {
      const { render: at } = setup(fakeAnnotationApi({ progress, queues: [] }));
      await at(PROJECT_PATH);
      expect(await screen.findByLabelText('Annotations')).toHaveTextContent(
        '29',
      );
      expect(screen.getByText('3 answers per item')).toBeInTheDocument();
      expect(
        screen.queryByRole('button', { name: 'Start labeling' }),
      ).toBeNull();
    });

    it('updates from progress signals at once and re-fetches, throttled', async () => {
      const {
        fake,
        signals,
        render: at,
      } = setup(fakeAnnotationApi({ progress }));
      const user = userEvent.setup();
      await at(PROJECT_PATH);
      expect(await screen.findByLabelText('Annotations')).toHaveTextContent(
        '29',
      );
      await waitFor(() =>
        expect(signals.subscribed('annotation:progress:p-track')).toBe(true),
      );
      expect(screen.getByText(/Live/)).toBeInTheDocument();
      expect(fake.api.progress).toHaveBeenCalledTimes(1);

      for (const annotations of [30, 31, 32]) {
        signals.publish('annotation:progress:p-track', {
          projectId: 'p-track',
          items: { total: 40, open: 29, full: 2, complete: 9 },
          annotations,
          skips: 3,
        });
      }
      expect(screen.getByLabelText('Annotations')).toHaveTextContent('32');
      expect(screen.getByLabelText('Complete')).toHaveTextContent('9');
      // the signal has no gold count: the fetched one stays
      expect(screen.getByLabelText('Gold')).toHaveTextContent('5');
      // three signals within the throttle window: one re-fetch
      await waitFor(() => expect(fake.api.progress).toHaveBeenCalledTimes(2), {
        timeout: 5_000,
      });
      await new Promise(r => setTimeout(r, 300));
      expect(fake.api.progress).toHaveBeenCalledTimes(2);

      await user.click(
        screen.getByRole('button', { name: 'Refresh progress' }),
      );
      await waitFor(() => expect(fake.api.progress).toHaveBeenCalledTimes(3));
    });

    it('tells an annotator that progress is not for them', async () => {
      const fake = fakeAnnotationApi();
      fake.api.progress.mockRejectedValue(
        responseError(
          403,
          'annotation.project.metrics.read is not allowed for reading progress',
        ),
      );
      const { render: at } = setup(fake);
      await at(PROJECT_PATH);
      expect(
        await screen.findByText(
          /Progress is for managers and quality analysts/,
        ),
      ).toBeInTheDocument();
      // the rest of the page still shows
      expect(
        screen.getByRole('table', { name: 'Project facts' }),
      ).toBeInTheDocument();
    });

    describe('for managers', () => {
      const fastUser = () => userEvent.setup({ pointerEventsCheck: 0 });
      const ndjson = [
        JSON.stringify({ externalId: 'n-1', data: { track_title: 'One' } }),
        JSON.stringify({ externalId: 'n-2' }),
        JSON.stringify({ externalId: 'n-3', data: { track_title: 'Three' } }),
      ].join('\n');

      it('imports a chosen NDJSON file, shows the summary and rejected lines, and lists the import', async () => {
        const { fake, render: at } = setup(fakeAnnotationApi({ progress }));
        const user = fastUser();
        await at(PROJECT_PATH);
        expect(await screen.findByText('No imports yet.')).toBeInTheDocument();
        // hold the request to see the progress indicator
        let release!: () => void;
        const held = new Promise<void>(r => {
          release = r;
        });
        const importItems = fake.api.importItems.getMockImplementation()!;
        fake.api.importItems.mockImplementationOnce(async (id, body) => {
          await held;
          return importItems(id, body);
        });

        const file = new File([ndjson], 'tracks.ndjson', {
          type: 'application/x-ndjson',
        });
        await user.upload(screen.getByLabelText('NDJSON file'), file);
        expect(
          screen.getByText(`tracks.ndjson (${file.size} B)`),
        ).toBeInTheDocument();
        await user.click(screen.getByText('Import', { selector: 'button *' }));
        expect(
          await screen.findByText(`Sending tracks.ndjson (${file.size} B)…`),
        ).toBeInTheDocument();
        expect(
          screen.getByRole('progressbar', {
            name: `Sending tracks.ndjson (${file.size} B)…`,
          }),
        ).toBeInTheDocument();
        release();

        const summary = await screen.findByRole('status', {
          name: 'Import summary',
        });
        // the File itself is the body: the browser streams it
        expect(fake.api.importItems).toHaveBeenCalledWith('p-track', file);
        expect(fake.importedTexts).toEqual([ndjson]);
        expect(
          within(summary).getByLabelText('Import Lines'),
        ).toHaveTextContent('3');
        expect(
          within(summary).getByLabelText('Import Inserted'),
        ).toHaveTextContent('2');
        expect(
          within(summary).getByLabelText('Import Rejected'),
        ).toHaveTextContent('1');
        const rejected = within(summary).getByRole('table', {
          name: 'Rejected lines',
        });
        expect(
          within(rejected)
            .getAllByRole('row')
            .map(r => r.textContent),
        ).toEqual([
          'LineExternal idReason',
          '2n-2data: is required (an object expected)',
        ]);
        // the import is listed, and the counts are fetched again
        expect(
          await screen.findByText(
            '2 inserted, 0 updated, 0 unchanged, 1 rejected',
          ),
        ).toBeInTheDocument();
        await waitFor(() =>
          expect(fake.api.progress.mock.calls.length).toBeGreaterThanOrEqual(2),
        );
      });

      it('lists recent imports with their status, and says how to finish an interrupted one', async () => {
        const at0 = '2025-01-02T10:00:00.000Z';
        const { render: at } = setup(
          fakeAnnotationApi({
            progress,
            imports: [
              {
                id: 'i-2',
                status: 'interrupted',
                createdBy: 'user:default/jonas.berg',
                startedAt: at0,
                updatedAt: at0,
                finishedAt: at0,
                summary: {
                  error:
                    'the import stopped when its backend did; re-run it with the same file (imports are idempotent: stored items are not duplicated)',
                },
              },
              {
                id: 'i-1',
                status: 'done',
                createdBy: 'user:default/jonas.berg',
                startedAt: at0,
                updatedAt: at0,
                finishedAt: at0,
                summary: {
                  importId: 'i-1',
                  lines: 10,
                  inserted: 7,
                  updated: 1,
                  unchanged: 2,
                  rejected: 0,
                  errors: [],
                },
              },
            ],
          }),
        );
        await at(PROJECT_PATH);
        const interrupted = (
          await screen.findByText('interrupted', { selector: 'td' })
        ).closest('tr')!;
        expect(interrupted).toHaveTextContent(/re-run it with the same file/);
        expect(interrupted).toHaveTextContent('jonas.berg');
        expect(
          screen.getByText('7 inserted, 1 updated, 2 unchanged, 0 rejected'),
        ).toBeInTheDocument();
        expect(
          screen.getByText(/An interrupted import stopped with its backend/),
        ).toBeInTheDocument();
      });

      it('moves the project through its lifecycle and shows a refusal', async () => {
        const { fake, render: at } = setup(
          fakeAnnotationApi({
            progress,
            project: projectRecord({ status: 'draft' }),
          }),
        );
        const user = fastUser();
        await at(PROJECT_PATH);
        const button = (name: string) =>
          screen.getByText(name, { selector: 'button *' });
        await screen.findByText('No imports yet.');
        // from draft: activate or archive
        expect(
          screen.queryByText('Pause', { selector: 'button *' }),
        ).toBeNull();
        await user.click(button('Activate'));
        await waitFor(() =>
          expect(fake.api.setStatus).toHaveBeenLastCalledWith(
            'p-track',
            'active',
          ),
        );
        await user.click(
          await screen.findByText('Pause', { selector: 'button *' }),
        );
        expect(
          await screen.findByText('Resume', { selector: 'button *' }),
        ).toBeInTheDocument();
        const facts = screen.getByRole('table', { name: 'Project facts' });
        expect(within(facts).getByText('paused')).toBeInTheDocument();

        fake.api.setStatus.mockRejectedValueOnce(
          responseError(
            409,
            'status: the project changed meanwhile; it is completed now',
          ),
        );
        await user.click(button('Complete'));
        expect(
          await screen.findByText(/The status was not changed/),
        ).toBeInTheDocument();
        expect(
          screen.getByText(
            'status: the project changed meanwhile; it is completed now',
          ),
        ).toBeInTheDocument();
        expect(within(facts).getByText('paused')).toBeInTheDocument();
      });

      it('is not offered to a tier that may not import', async () => {
        const fake = fakeAnnotationApi({ progress });
        fake.api.listImports.mockRejectedValue(
          responseError(
            403,
            'reading imports is not allowed: it needs the annotation.item.import permission',
          ),
        );
        const { render: at } = setup(fake);
        await at(PROJECT_PATH);
        expect(await screen.findByLabelText('Annotations')).toHaveTextContent(
          '29',
        );
        await waitFor(() => expect(fake.api.listImports).toHaveBeenCalled());
        expect(screen.queryByText('Import items')).toBeNull();
        expect(screen.queryByText('Lifecycle')).toBeNull();
      });
    });

    it('tells an outsider the project is not there for them', async () => {
      const { render: at } = setup();
      await at('/chorus/projects/not-mine');
      expect(await screen.findByText(/Project not found/)).toBeInTheDocument();
      expect(
        screen.getByText(
          'This project does not exist, or you are not in its workforce.',
        ),
      ).toBeInTheDocument();
    });
  });

  describe('NewProjectPage', () => {
    const NEW_PATH = '/chorus/projects/new';
    // by label and text, not role: role queries are slow on a form this big
    const question = (n: number) => screen.getByLabelText(`Question ${n}`);
    /** A project-level input, by its label (required ones carry " *"). */
    const input = (label: string) =>
      screen.getByLabelText(new RegExp(`^${label}(\\s*\\*)?$`));
    const button = (name: string) =>
      screen.getByText(name, { selector: 'button, button *' });
    const pick = async (
      user: ReturnType<typeof userEvent.setup>,
      select: RegExp,
      option: string,
      scope: HTMLElement = document.body,
    ) => {
      await user.click(
        within(scope).getByRole('button', { name: select, hidden: true }),
      );
      await user.click(
        within(await screen.findByRole('listbox', { hidden: true })).getByText(
          option,
        ),
      );
    };

    // a big form: typing and re-rendering it in jsdom is slow on a busy machine
    const FORM_TEST_TIMEOUT = 120_000;

    // no pointer-events check: it walks computed styles, slow on a big form
    const fastUser = () => userEvent.setup({ pointerEventsCheck: 0 });

    /** Replaces an input's text (pasted: typing a whole form is slow). */
    const fill = async (
      user: ReturnType<typeof userEvent.setup>,
      el: HTMLElement,
      text: string,
    ) => {
      await user.clear(el);
      await user.click(el);
      await user.paste(text);
    };

    async function fillValidForm(user: ReturnType<typeof userEvent.setup>) {
      await fill(user, input('Title'), 'Genre check');
      await fill(user, input('Owner'), 'group:default/cu-project-managers');
      await fill(user, input('Model'), 'resource:default/genre-model');
      await fill(user, input('Dataset'), 'resource:default/genre-labels');
      await fill(user, input('Annotators'), 'group:default/cu-annotators');
      await fill(
        user,
        input('Quality analysts'),
        'group:default/cu-quality-analysts',
      );
      await fill(user, input('Managers'), 'group:default/cu-project-managers');
      await fill(user, input('Overlap'), '3');
      await pick(user, /^Ordering/, 'random');
      await fill(user, input('Instructions \\(markdown\\)'), 'Pick **one**.');
      const q = question(1);
      await fill(
        user,
        within(q).getByLabelText(/^Question title/),
        'Which genre?',
      );
      await fill(user, within(q).getByLabelText(/^Data field/), 'track_title');
      await fill(user, within(q).getByLabelText(/^Id/), 'genre');
      await fill(
        user,
        within(q).getByLabelText(/^Labels/),
        'pop\nrock = Rock music',
      );
    }

    it(
      'creates a project from the form with the parsed config, then opens it',
      async () => {
        const { fake, render: at } = setup();
        fake.api.createProject.mockImplementation(async () => projectRecord());
        const user = fastUser();
        await at('/chorus');
        await user.click(
          await screen.findByRole('button', { name: 'New project' }),
        );
        expect(
          await screen.findByRole('heading', { name: 'New project' }),
        ).toBeInTheDocument();

        await fillValidForm(user);
        // the quality policy card
        await fill(user, input('Extra annotators \\(cap\\)'), '1');
        await fill(user, input('Gold rate'), '0.1');
        await user.click(
          screen.getByRole('checkbox', {
            name: 'Quality analysts see who answered',
          }),
        );
        // the name follows the title until edited
        expect(input('Name')).toHaveValue('genre-check');
        // the instructions preview renders the markdown
        expect(screen.getByText('one', { selector: 'strong' })).toBeVisible();
        await user.click(button('Create project'));

        expect(
          await screen.findByRole('heading', {
            name: 'Track placement relevance',
          }),
        ).toBeInTheDocument();
        expect(fake.api.createProject).toHaveBeenCalledTimes(1);
        expect(fake.api.createProject.mock.calls[0][0]).toEqual({
          name: 'genre-check',
          title: 'Genre check',
          owner: 'group:default/cu-project-managers',
          lifecycle: 'experimental',
          model: 'resource:default/genre-model',
          dataset: 'resource:default/genre-labels',
          // parsed: defaults filled in, blind on because overlap > 1
          config: {
            questions: [
              {
                id: 'genre',
                type: 'single-choice',
                title: 'Which genre?',
                field: 'track_title',
                required: true,
                labels: [
                  { value: 'pop' },
                  { value: 'rock', title: 'Rock music' },
                ],
              },
            ],
            instructions: 'Pick **one**.',
            overlap: 3,
            ordering: 'random',
            blind: true,
            leaseTtlSeconds: 600,
            allowEditUntilResolved: true,
            workforce: {
              annotators: ['group:default/cu-annotators'],
              qualityAnalysts: ['group:default/cu-quality-analysts'],
              managers: ['group:default/cu-project-managers'],
            },
            // the quality policy as set, with the defaults of the rest
            quality: {
              agreementThreshold: 0.6,
              extraAnnotatorCap: 1,
              goldRate: 0.1,
              minConfidence: 0.7,
              minGoldAccuracy: 0,
              qaSeesAnnotators: false,
              questions: {},
            },
          },
        });
      },
      FORM_TEST_TIMEOUT,
    );

    it(
      'shows the shared parser’s issues next to their fields and sends nothing',
      async () => {
        const { fake, render: at } = setup();
        const user = fastUser();
        await at(NEW_PATH);
        await screen.findByText('New project', { selector: 'h1' });
        // no error shown before the first attempt
        expect(input('Title')).not.toHaveAccessibleDescription(
          /a non-empty string expected/,
        );

        await fill(
          user,
          within(question(1)).getByLabelText(/^Labels/),
          'yes\nyes',
        );
        await fill(user, input('Overlap'), '30');
        await fill(user, input('Managers'), 'group:default/a user:default/bo');
        await user.click(button('Create project'));

        expect(await screen.findByText(/problems to fix/)).toBeInTheDocument();
        expect(input('Title')).toHaveAccessibleDescription(
          'a non-empty string expected',
        );
        expect(input('Annotators')).toHaveAccessibleDescription(
          'at least 1 group expected',
        );
        expect(input('Overlap')).toHaveAccessibleDescription(
          'at most 25 expected',
        );
        // deeper paths are named below the field they belong to
        expect(
          within(question(1)).getByLabelText(/^Labels/),
        ).toHaveAccessibleDescription('[1].value: duplicate label "yes"');
        expect(
          within(question(1)).getByLabelText(/^Data field/),
        ).toHaveAccessibleDescription(/a data field name expected/);
        expect(fake.api.createProject).not.toHaveBeenCalled();

        // fixing a field clears its error as the manager types
        await fill(user, input('Title'), 'Fixed');
        expect(input('Title')).not.toHaveAccessibleDescription(
          /non-empty string expected/,
        );
      },
      FORM_TEST_TIMEOUT,
    );

    it(
      'edits type-specific settings, adds and removes questions',
      async () => {
        const { fake, render: at } = setup();
        const user = fastUser();
        await at(NEW_PATH);
        await screen.findByText('New project', { selector: 'h1' });
        await fillValidForm(user);

        await user.click(button('Add question'));
        const second = question(2);
        expect(within(second).getByLabelText(/^Id/)).toHaveValue('q2');
        await pick(user, /^Type/, 'rating', second);
        expect(within(second).queryByLabelText(/^Labels/)).toBeNull();
        await fill(
          user,
          within(second).getByLabelText(/^Question title/),
          'Mix?',
        );
        await fill(user, within(second).getByLabelText(/^Data field/), 'mix');
        await fill(user, within(second).getByLabelText('Lowest rating'), '5');
        await fill(user, within(second).getByLabelText('Highest rating'), '3');
        await user.click(button('Create project'));
        expect(
          within(question(2)).getByLabelText('Highest rating'),
        ).toHaveAccessibleDescription('greater than min (5) expected');

        // removing the first question renumbers the rest, errors with them
        await user.click(screen.getByLabelText('Remove question 1'));
        expect(screen.queryByRole('group', { name: 'Question 2' })).toBeNull();
        expect(within(question(1)).getByLabelText(/^Id/)).toHaveValue('q2');
        expect(
          within(question(1)).getByLabelText('Highest rating'),
        ).toHaveAccessibleDescription('greater than min (5) expected');
        await user.click(screen.getByLabelText('Remove question 1'));
        expect(
          await screen.findByText('at least 1 question expected'),
        ).toBeInTheDocument();
        expect(fake.api.createProject).not.toHaveBeenCalled();

        // a free-text question with its own settings goes through
        fake.api.createProject.mockImplementation(async () => projectRecord());
        await user.click(button('Add question'));
        await pick(user, /^Type/, 'free text', question(1));
        await fill(
          user,
          within(question(1)).getByLabelText(/^Question title/),
          'Why?',
        );
        await fill(
          user,
          within(question(1)).getByLabelText(/^Data field/),
          'notes',
        );
        await fill(
          user,
          within(question(1)).getByLabelText('Max length'),
          '200',
        );
        await user.click(
          within(question(1)).getByLabelText('An answer is required'),
        );
        await user.click(button('Create project'));
        await waitFor(() => expect(fake.api.createProject).toHaveBeenCalled());
        expect(
          fake.api.createProject.mock.calls[0][0].config.questions,
        ).toEqual([
          {
            id: 'q1',
            type: 'free-text',
            title: 'Why?',
            field: 'notes',
            required: false,
            minLength: 0,
            maxLength: 200,
          },
        ]);
      },
      FORM_TEST_TIMEOUT,
    );

    it(
      "shows the server's refusal and places a named field's issue",
      async () => {
        const { fake, render: at } = setup();
        fake.api.createProject.mockRejectedValueOnce(
          responseError(
            403,
            'owner: you would not manage this project; make it owned by you or one of your groups',
          ),
        );
        fake.api.createProject.mockRejectedValueOnce(
          responseError(
            409,
            'name: project default/genre-check already exists',
          ),
        );
        const user = fastUser();
        await at(NEW_PATH);
        await screen.findByText('New project', { selector: 'h1' });
        await fillValidForm(user);

        await user.click(button('Create project'));
        expect(
          await screen.findByText(/Chorus did not allow creating this project/),
        ).toBeInTheDocument();
        expect(
          screen.getByText(/make it owned by you or one of your groups/),
        ).toBeInTheDocument();
        expect(input('Owner')).toHaveAccessibleDescription(
          'you would not manage this project',
        );

        await user.click(button('Create project'));
        expect(
          await screen.findByText(/Chorus did not create the project/),
        ).toBeInTheDocument();
        expect(input('Name')).toHaveAccessibleDescription(
          'project default/genre-check already exists',
        );
        // still on the form, nothing lost
        expect(input('Title')).toHaveValue('Genre check');
        expect(fake.api.createProject).toHaveBeenCalledTimes(2);
      },
      FORM_TEST_TIMEOUT,
    );
  });

  describe('QualityDashboardPage', () => {
    const QUALITY_PATH = `${PROJECT_PATH}/quality`;

    it('shows agreement per question with its reading, progress and the escalation backlog', async () => {
      const { fake, render: at } = setup();
      await at(QUALITY_PATH);

      expect(
        await screen.findByRole('heading', {
          name: 'Track placement relevance: quality',
        }),
      ).toBeInTheDocument();
      expect(fake.api.qualityMetrics).toHaveBeenCalledWith('p-track', {
        bucket: 'day',
      });
      // items by quality status
      expect(screen.getByLabelText('Escalated')).toHaveTextContent('2');
      expect(screen.getByLabelText('QA-resolved')).toHaveTextContent('1');
      expect(screen.getByLabelText('Gold')).toHaveTextContent('3');
      expect(screen.getByText('20% of items complete')).toBeInTheDocument();

      // the headline measure of a question, its band, the others, per label
      const belongs = screen.getByRole('region', {
        name: 'Does the track belong on the artist page?',
      });
      expect(
        within(belongs).getByText(
          "Krippendorff's alpha (nominal): 0.66 · substantial",
        ),
      ).toBeInTheDocument();
      const measures = within(belongs).getByRole('table', {
        name: 'Agreement on Does the track belong on the artist page?',
      });
      expect(
        within(measures)
          .getAllByRole('row')
          .map(r => r.textContent),
      ).toEqual([
        'Percent agreement83%',
        "Fleiss' kappa0.65 · substantial",
        "Krippendorff's alpha (nominal)0.66 · substantial",
        "Gwet's AC10.71 · substantial",
      ]);
      const labels = within(belongs).getByRole('table', {
        name: 'Agreement per label on Does the track belong on the artist page?',
      });
      expect(
        within(labels)
          .getAllByRole('row')
          .map(r => r.textContent),
      ).toEqual([
        "yesFleiss' kappa: 0.72 · substantial",
        "noFleiss' kappa: 0.15 · slight",
        "unsureFleiss' kappa: not enough data (every answer falls in one category, so chance agreement is total)",
      ]);
      // a question without enough answers says so, with the reason
      const mix = screen.getByRole('region', { name: 'How good is the mix?' });
      expect(
        within(mix).getByText(
          "Krippendorff's alpha (ordinal): not enough data (no item has two answers yet)",
        ),
      ).toBeInTheDocument();
      expect(
        screen.getByText(/over 24 answers on 8 items/),
      ).toBeInTheDocument();

      // the backlog links to the QA queue
      expect(screen.getByLabelText('Open escalations')).toHaveTextContent('2');
      expect(
        screen.getByLabelText('Median time to resolution'),
      ).toHaveTextContent('25 min 00 s');
      expect(
        screen.getByRole('button', { name: 'Open the QA queue' }),
      ).toHaveAttribute('href', `${PROJECT_PATH}/qa`);

      // the chart's series and totals
      expect(
        screen.getByRole('img', {
          name: 'Annotations over time, human and QA',
        }),
      ).toBeInTheDocument();
      expect(
        screen.getByText(/29 human answers and 3 QA decisions since/),
      ).toBeInTheDocument();
      expect(screen.getByText('Human answers')).toBeInTheDocument();
      expect(screen.getByText('QA decisions')).toBeInTheDocument();
    });

    it('flags low gold accuracy and sorts the annotators by a column', async () => {
      const { render: at } = setup();
      const user = userEvent.setup();
      await at(QUALITY_PATH);
      const names = () =>
        screen
          .getAllByRole('row')
          .filter(r => /okafor|lindqvist/.test(r.textContent ?? ''))
          .map(r => (/okafor/.test(r.textContent ?? '') ? 'amara' : 'bo'));
      await screen.findByText('amara.okafor');
      const bo = screen.getByText('bo.lindqvist').closest('tr')!;
      expect(within(bo).getByText('Below 80%')).toBeInTheDocument();
      expect(bo).toHaveTextContent('50%'); // gold and consensus agreement
      const amara = screen.getByText('amara.okafor').closest('tr')!;
      expect(within(amara).queryByText(/Below/)).toBeNull();
      expect(amara.textContent).toContain('7 s');
      expect(amara.textContent).toContain('93%'); // Dawid-Skene accuracy
      expect(names()).toEqual(['amara', 'bo']);

      await user.click(
        screen
          .getByRole('columnheader', { name: /Annotations/ })
          .querySelector('span')!,
      );
      expect(names()).toEqual(['bo', 'amara']);
      await user.click(
        screen
          .getByRole('columnheader', { name: /Annotations/ })
          .querySelector('span')!,
      );
      expect(names()).toEqual(['amara', 'bo']);
    });

    it('shows a voting LLM annotator by its name, not as a user', async () => {
      const { render: at } = setup();
      await at(QUALITY_PATH);
      const llm = (
        await screen.findByTitle('LLM annotator first-pass, voting')
      ).closest('tr')!;
      expect(within(llm).getByText('first-pass')).toBeInTheDocument();
      expect(within(llm).getByText('LLM')).toBeInTheDocument();
      expect(screen.queryByText('llm:first-pass')).toBeNull();
      // its answers in the fit, its agreement and Dawid-Skene accuracy; no
      // median time or gold standing of a person
      expect(
        within(llm)
          .getAllByRole('cell')
          .map(c => c.textContent),
      ).toEqual(['first-passLLM', '8', '—', '75%', '—', '77%']);
    });

    it('recomputes for a manager and shows the new fit', async () => {
      const { fake, render: at } = setup();
      const user = userEvent.setup();
      await at(QUALITY_PATH);
      await user.click(
        await screen.findByRole('button', { name: 'Recompute now' }),
      );
      expect(
        await screen.findByText('Recomputed over 24 answers on 8 items.'),
      ).toBeInTheDocument();
      expect(fake.api.refitQuality).toHaveBeenCalledWith('p-track');
      await waitFor(() =>
        expect(fake.api.qualityMetrics).toHaveBeenCalledTimes(2),
      );
    });

    it('offers no recompute to those who may not, and switches the buckets', async () => {
      const { fake, render: at } = setup(
        fakeAnnotationApi({
          metrics: sampleQualityMetrics({ canRefit: false }),
        }),
      );
      const user = userEvent.setup();
      await at(QUALITY_PATH);
      await screen.findByText('Annotations over time');
      expect(
        screen.queryByRole('button', { name: 'Recompute now' }),
      ).toBeNull();
      await user.click(screen.getByRole('button', { name: 'Per hour' }));
      await waitFor(() =>
        expect(fake.api.qualityMetrics).toHaveBeenLastCalledWith('p-track', {
          bucket: 'hour',
        }),
      );
      expect(screen.getByRole('button', { name: 'Per hour' })).toHaveAttribute(
        'aria-pressed',
        'true',
      );
    });

    it('says when nothing is fitted yet, and who may read quality', async () => {
      const { render: at } = setup(
        fakeAnnotationApi({
          metrics: sampleQualityMetrics({ agreement: undefined }),
        }),
      );
      await at(QUALITY_PATH);
      expect(await screen.findByText(/Not computed yet/)).toBeInTheDocument();
    });

    it('tells an annotator that quality is not for them', async () => {
      const fake = fakeAnnotationApi();
      fake.api.qualityMetrics.mockRejectedValue(
        responseError(
          403,
          'reading quality metrics is not allowed: it needs the annotation.project.metrics.read permission on project track-placement-relevance',
        ),
      );
      const { render: at } = setup(fake);
      await at(QUALITY_PATH);
      expect(
        await screen.findByText(/Quality is for managers and quality analysts/),
      ).toBeInTheDocument();
    });

    it('is linked from the project overview', async () => {
      const { render: at } = setup();
      await at(PROJECT_PATH);
      expect(
        await screen.findByRole('link', { name: /Quality dashboard/ }),
      ).toHaveAttribute('href', QUALITY_PATH);
    });
  });
}
