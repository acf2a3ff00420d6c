/* eslint-disable jest/no-export -- a shared suite, not a test file of its own */
/*
 * The escalation queue page and its links, run once per frontend system
 * (plugin.test.tsx and alpha.test.tsx), like chorusPageSuite.
 */
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeSignals, RenderChorusAt } from './chorusPageSuite';
import {
  fakeAnnotationApi,
  projectRecord,
  responseError,
} from './fakeAnnotationApi';
import { trackEscalations } from './fakeQaApi';

const QA_PATH = '/chorus/projects/p-track/qa';
const project = projectRecord();
/** The analyst's QA queues: this project. */
const analystQueues = (open: number) => [{ project, open }];

export function describeQaPages(render: RenderChorusAt) {
  const setup = (fake = fakeAnnotationApi()) => {
    const signals = fakeSignals();
    return {
      fake,
      render: (path: string) =>
        render(path, { annotation: fake.api, signals: signals.api }),
    };
  };
  /** The analyst's page with `n` open escalations, claimed with N. */
  const claimed = async (
    options: { annotatorsShown?: boolean; n?: number } = {},
  ) => {
    const { fake, render: at } = setup(
      fakeAnnotationApi({
        qa: {
          escalations: trackEscalations(options.n ?? 2),
          qaQueues: analystQueues(options.n ?? 2),
          annotatorsShown: options.annotatorsShown,
        },
      }),
    );
    const user = userEvent.setup();
    await at(QA_PATH);
    await screen.findByRole('button', { name: 'Start reviewing (N)' });
    await user.keyboard('n');
    await screen.findByText('Disputed song 1');
    return { fake, user };
  };

  describe('EscalationQueuePage', () => {
    it('shows the backlog: why each item escalated, when, who holds it', async () => {
      const escalations = trackEscalations(3);
      escalations[1].escalation.claimedBy = 'user:default/hiro.tanaka';
      escalations[1].escalation.claimExpiresAt = '2030-01-01T10:00:00.000Z';
      escalations[2].escalation.reasons = [
        {
          code: 'annotator-flag',
          annotator: 'user:default/amara.okafor',
          note: 'audio cuts off',
        },
        { code: 'low-confidence', value: 0.41, threshold: 0.7 },
      ];
      const { render: at } = setup(
        fakeAnnotationApi({
          qa: { escalations, qaQueues: analystQueues(3) },
        }),
      );
      await at(QA_PATH);

      const first = (await screen.findByText('track-0001')).closest('tr')!;
      expect(first).toHaveTextContent(
        'Low agreement on "Does the track belong on the artist page?": percent 0.33 < threshold 0.60',
      );
      expect(screen.getByText('track-0002').closest('tr')!).toHaveTextContent(
        /hiro\.tanaka until/,
      );
      const third = screen.getByText('track-0003').closest('tr')!;
      expect(third).toHaveTextContent(
        'Flagged by amara.okafor: audio cuts off',
      );
      expect(third).toHaveTextContent(
        'Low consensus confidence: 0.41 < minimum 0.70',
      );
      expect(
        screen.getByText('Open escalations').parentElement,
      ).toHaveTextContent('3');
      expect(
        screen.getByText(/3 open escalations: claim the oldest one/),
      ).toBeInTheDocument();
    });

    it('claims with N and shows the item, every answer side by side and the agreement', async () => {
      const { fake } = await claimed();
      expect(fake.api.nextEscalation).toHaveBeenCalledWith('p-track');
      const answers = screen.getByRole('table', { name: 'Answers' });
      const rows = within(answers)
        .getAllByRole('row')
        .map(r => r.textContent);
      expect(rows).toEqual([
        'AnnotatorDoes the track belong on the artist page?Time spentAnswered',
        expect.stringMatching(/^amara\.okaforYes, it belongs4 s.*Use$/),
        expect.stringMatching(
          /^bo\.lindqvistNo, wrong artist or version1 min 01 s.*Use$/,
        ),
        expect.stringMatching(
          /^carlos\.mendesNo, wrong artist or version9 s.*Use$/,
        ),
        'Consensus (majority, confidence 0.67)No, wrong artist or versionUse',
        'Agreement0.33 (percent, threshold 0.60)',
      ]);
      expect(
        within(screen.getByRole('list', { name: 'Reasons' })).getByText(
          /percent 0\.33 < threshold 0\.60/,
        ),
      ).toBeInTheDocument();
      expect(screen.getByRole('timer')).toHaveTextContent(
        /Claim expires in (9:5\d|10:00)/,
      );
      // the item data, as the workspace shows it
      expect(
        within(screen.getByRole('region', { name: 'Item data' })).getByText(
          'Velvet Static',
        ),
      ).toBeInTheDocument();
    });

    it('resolves with a number key, a note and Ctrl+Enter, then N claims the next', async () => {
      const { fake, user } = await claimed();
      await user.keyboard('2');
      expect(
        screen.getByRole('radio', { name: /No, wrong artist/ }),
      ).toBeChecked();
      await user.type(
        screen.getByRole('textbox', { name: 'Note (optional)' }),
        'A cover{Enter}by X',
      );
      await user.keyboard('{Control>}{Enter}{/Control}');
      expect(
        await screen.findByText(
          /Resolved track-0001: .* "no"\. It is final and joins the gold set\./,
        ),
      ).toBeInTheDocument();
      expect(fake.qa.decisions).toEqual([
        {
          escalationId: 'e1',
          resolution: 'resolved',
          answer: { belongs: 'no' },
          note: 'A cover\nby X',
        },
      ]);

      await user.keyboard('n');
      expect(await screen.findByText('Disputed song 2')).toBeInTheDocument();
      // a fresh form for the next escalation; Enter resolves at once
      expect(
        screen.getByRole('radio', { name: /No, wrong artist/ }),
      ).not.toBeChecked();
      await user.keyboard('1{Enter}');
      await waitFor(() => expect(fake.qa.decisions).toHaveLength(2));
      expect(fake.qa.decisions[1]).toEqual({
        escalationId: 'e2',
        resolution: 'resolved',
        answer: { belongs: 'yes' },
      });
      await user.keyboard('n');
      expect(
        await screen.findByText('No open escalation is free'),
      ).toBeInTheDocument();
    });

    it('asks for the final answer instead of resolving, and takes an annotator’s answer', async () => {
      const { fake, user } = await claimed();
      await user.keyboard('{Enter}');
      expect(await screen.findByText('is required')).toBeInTheDocument();
      expect(fake.api.resolveEscalation).not.toHaveBeenCalled();

      await user.click(
        screen.getByRole('button', { name: 'Use the answer of bo.lindqvist' }),
      );
      expect(
        screen.getByRole('radio', { name: /No, wrong artist/ }),
      ).toBeChecked();
      await user.click(screen.getByRole('button', { name: /^Resolve/ }));
      await waitFor(() =>
        expect(fake.qa.decisions).toEqual([
          expect.objectContaining({ answer: { belongs: 'no' } }),
        ]),
      );
    });

    it('sends back with B: the guidance box takes the focus, Enter sends', async () => {
      const { fake, user } = await claimed();
      await user.keyboard('b');
      const guidance = screen.getByRole('textbox', {
        name: 'Guidance for the annotators',
      });
      expect(guidance).toHaveFocus();
      await user.keyboard('{Enter}');
      expect(
        screen.getByText('Say what the annotators should look at'),
      ).toBeInTheDocument();
      expect(fake.api.sendBackEscalation).not.toHaveBeenCalled();

      await user.keyboard('Year{Shift>}{Enter}{/Shift}2019{Enter}');
      expect(
        await screen.findByText(
          'Sent track-0001 back to the annotators: Year\n2019',
          { normalizer: s => s },
        ),
      ).toBeInTheDocument();
      expect(fake.qa.decisions).toEqual([
        {
          escalationId: 'e1',
          resolution: 'sent-back',
          note: 'Year\n2019',
        },
      ]);
    });

    it('hides annotators when the project does', async () => {
      await claimed({ annotatorsShown: false });
      const answers = screen.getByRole('table', { name: 'Answers' });
      expect(within(answers).getByText('annotator 1')).toBeInTheDocument();
      expect(within(answers).getByText('annotator 3')).toBeInTheDocument();
      expect(answers.textContent).not.toMatch(/amara|lindqvist|mendes/);
      expect(
        screen.getByText('Annotators are hidden from QA in this project'),
      ).toBeInTheDocument();
    });

    it('keeps the answer when the claim expired, and claims the same escalation again', async () => {
      const { fake, user } = await claimed();
      fake.qa.expireClaim('qa-token-1');
      await user.keyboard('2{Enter}');
      expect(
        await screen.findByText(
          /Your claim ended \(QA claim qa-token-1 expired/,
        ),
      ).toBeInTheDocument();
      expect(fake.qa.decisions).toEqual([]);

      await user.click(screen.getByRole('button', { name: 'Claim again (N)' }));
      await waitFor(() =>
        expect(screen.queryByText(/Your claim ended/)).toBeNull(),
      );
      // the same escalation: the draft is still there
      expect(
        screen.getByRole('radio', { name: /No, wrong artist/ }),
      ).toBeChecked();
      await user.keyboard('{Enter}');
      await waitFor(() =>
        expect(fake.qa.decisions).toEqual([
          expect.objectContaining({
            escalationId: 'e1',
            answer: { belongs: 'no' },
          }),
        ]),
      );
    });

    it('shows managers the backlog and tells them only analysts resolve', async () => {
      const fake = fakeAnnotationApi({
        qa: { escalations: trackEscalations(1), qaQueues: [] },
      });
      fake.api.nextEscalation.mockRejectedValue(
        responseError(
          403,
          'claiming an escalation is not allowed: it needs the annotation.item.review permission on project track-placement-relevance',
        ),
      );
      const { render: at } = setup(fake);
      const user = userEvent.setup();
      await at(QA_PATH);
      expect(await screen.findByText('track-0001')).toBeInTheDocument();
      expect(
        screen.getByText(
          /Only the project's quality analysts resolve escalations/,
        ),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('button', { name: 'Start reviewing (N)' }),
      ).toBeDisabled();
      await user.keyboard('n');
      expect(fake.api.nextEscalation).not.toHaveBeenCalled();
    });

    it('explains a project the caller cannot see', async () => {
      const fake = fakeAnnotationApi();
      fake.api.getProject.mockRejectedValue(
        responseError(404, 'project p-track not found'),
      );
      const { render: at } = setup(fake);
      await at(QA_PATH);
      expect(await screen.findByText(/Project not found/)).toBeInTheDocument();
    });
  });

  describe('links to the escalation queue', () => {
    it('lists my QA queues on the home page', async () => {
      const { render: at } = setup(
        fakeAnnotationApi({ qa: { qaQueues: analystQueues(4) } }),
      );
      await at('/chorus');
      const review = await screen.findByRole('button', {
        name: 'Review escalations of Track placement relevance',
      });
      expect(review).toHaveAttribute('href', QA_PATH);
      expect(review.closest('tr')).toHaveTextContent('4');
      expect(screen.getByText('My QA queues')).toBeInTheDocument();
    });

    it('shows no QA queues to others', async () => {
      const { render: at } = setup(fakeAnnotationApi({ qa: { qaQueues: [] } }));
      await at('/chorus');
      await screen.findByText('Projects');
      expect(screen.queryByText('My QA queues')).toBeNull();
    });

    it('links the project overview to the queue for those who may read it', async () => {
      const { render: at } = setup(
        fakeAnnotationApi({ qa: { escalations: trackEscalations(2) } }),
      );
      await at('/chorus/projects/p-track');
      const link = await screen.findByRole('button', {
        name: 'Escalation queue',
      });
      expect(link).toHaveAttribute('href', QA_PATH);
      expect(
        within(screen.getByRole('table', { name: 'Project facts' })).getByText(
          '2 open',
        ),
      ).toBeInTheDocument();
    });

    it('has no queue link for those who may not', async () => {
      const fake = fakeAnnotationApi();
      fake.api.listEscalations.mockRejectedValue(
        responseError(403, 'reading the escalations is not allowed'),
      );
      const { render: at } = setup(fake);
      await at('/chorus/projects/p-track');
      await screen.findByRole('table', { name: 'Project facts' });
      expect(
        screen.queryByRole('button', { name: 'Escalation queue' }),
      ).toBeNull();
    });
  });
}
