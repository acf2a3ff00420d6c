import { mockServices } from '@backstage/backend-test-utils';
import { ItemStore } from '../database';
import { ProjectNotifier } from './ProjectNotifier';
import { EventParams } from '@backstage/plugin-events-node';
import {
  ANNOTATION_EVENT_TOPICS,
  progressSignalChannel,
} from '@chorus/plugin-annotation-common';
import { apiCaller, users } from '../__testUtils__/callers';
import { belongsQuestion, workforce } from '../__testUtils__/fixtures';
import { eventListener } from '../__testUtils__/events';
import { startAnnotationApi } from '../__testUtils__/startApi';

jest.setTimeout(60_000);

describe('ProjectNotifier through the API', () => {
  it('publishes status changes, completed items and throttled progress signals', async () => {
    const seen: EventParams[] = [];
    const server = await startAnnotationApi({
      features: [eventListener(seen)],
    });
    const api = apiCaller(server);
    const created = await api('post', '/projects', 'manager').send({
      name: 'signals-check',
      title: 'Signals check',
      owner: 'group:cu-ml-engineering',
      lifecycle: 'experimental',
      model: 'resource:m',
      dataset: 'resource:d',
      config: { overlap: 1, workforce, questions: [belongsQuestion] },
    });
    const id = created.body.id;
    await api('post', `/projects/${id}/items/import`, 'manager')
      .set('Content-Type', 'application/x-ndjson')
      .send(
        [
          ...['a', 'b', 'c'].map(e =>
            JSON.stringify({ externalId: e, data: { track_title: e } }),
          ),
          // a honeypot: its count stays out of the signal annotators get
          JSON.stringify({
            externalId: 'g',
            data: { track_title: 'g' },
            gold: { belongs: 'no' },
          }),
        ].join('\n'),
      );
    await api('put', `/projects/${id}/status`, 'manager').send({
      status: 'active',
    });
    for (let n = 0; n < 2; n++) {
      const lease = await api('post', `/projects/${id}/next`, 'annotator').send(
        {},
      );
      const answer = await api(
        'post',
        `/projects/${id}/items/${lease.body.item.id}/annotations`,
        'annotator',
      ).send({ token: lease.body.token, answer: { belongs: 'yes' } });
      expect(answer.body.itemCompleted).toBe(true);
    }

    await new Promise(resolve => setTimeout(resolve, 1500));
    const of = (topic: string) =>
      seen.filter(e => e.topic === topic).map(e => e.eventPayload);
    expect(of(ANNOTATION_EVENT_TOPICS.projectStatusChanged)).toEqual([
      {
        projectId: id,
        project: 'signals-check',
        from: 'draft',
        to: 'active',
        by: users.manager,
      },
    ]);
    expect(of(ANNOTATION_EVENT_TOPICS.itemCompleted)).toEqual([
      expect.objectContaining({ projectId: id, externalId: 'a', answers: 1 }),
      expect.objectContaining({ projectId: id, externalId: 'b', answers: 1 }),
    ]);
    // throttled, so how many depends on timing; the last one has the counts
    const signals = of('signals');
    expect(signals.length).toBeGreaterThanOrEqual(1);
    expect(signals[signals.length - 1]).toEqual({
      recipients: {
        type: 'user',
        entityRef: expect.arrayContaining([
          'group:default/cu-annotators',
          'group:default/cu-project-managers',
          'group:default/cu-ml-engineering',
        ]),
      },
      channel: progressSignalChannel(id),
      message: {
        projectId: id,
        items: { total: 3, open: 1, full: 0, complete: 2 },
        annotations: 2,
        skips: 0,
      },
    });
  });
});

describe('ProjectNotifier', () => {
  it('sends one progress signal per project per interval', async () => {
    const published: unknown[] = [];
    const notifier = new ProjectNotifier({
      events: { publish: async () => {}, subscribe: async () => {} },
      signals: { publish: async s => void published.push(s) },
      items: {
        progress: async () => ({
          items: { total: 1, open: 1, full: 0, complete: 0, gold: 0 },
          annotations: 0,
          skips: 0,
          annotators: [],
        }),
      } as unknown as ItemStore,
      logger: mockServices.logger.mock(),
    });
    const project = { id: 'p1', owner: 'group:o', workforce } as never;
    for (let n = 0; n < 10; n++) {
      notifier.progressChanged(project);
    }
    await new Promise(resolve => setTimeout(resolve, 1300));
    expect(published).toHaveLength(1);
    notifier.progressChanged(project);
    await new Promise(resolve => setTimeout(resolve, 1300));
    expect(published).toHaveLength(2);
    // at shutdown a pending signal is dropped, not sent after the stores
    // are gone
    notifier.progressChanged(project);
    notifier.stop();
    notifier.progressChanged(project); // a request finishing during shutdown
    await new Promise(resolve => setTimeout(resolve, 1300));
    expect(published).toHaveLength(2);
  });
});
