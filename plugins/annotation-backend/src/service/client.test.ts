import { AnnotationClient } from '@chorus/plugin-annotation-common';
import { AddressInfo } from 'net';
import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { as, users } from '../__testUtils__/callers';
import {
  belongsQuestion,
  newProject,
  workforce,
} from '../__testUtils__/fixtures';
import { specCheckedFetch } from '../__testUtils__/specResponses';
import { startAnnotationApi } from '../__testUtils__/startApi';
import { KnexQualityStore } from '../database';

jest.setTimeout(60_000);

/**
 * The shared client against the real router: every method's path, method,
 * body and response shape must agree with the OpenAPI-validated routes.
 */
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe('AnnotationClient against the API', () => {
  async function clients(knex?: Knex) {
    const server = await startAnnotationApi({ knex });
    const { port } = server.address() as AddressInfo;
    const client = (authorization: string) =>
      new AnnotationClient({
        discoveryApi: {
          getBaseUrl: async () => `http://localhost:${port}/api/annotation`,
        },
        fetchApi: {
          fetch: specCheckedFetch((input, init) =>
            fetch(input, {
              ...init,
              headers: {
                ...(init?.headers as Record<string, string>),
                Authorization: authorization,
              },
            }),
          ),
        },
      });
    return {
      manager: client(as.manager),
      annotator: client(as.annotator),
      analyst: client(as.analyst),
    };
  }

  it.each(databases.eachSupportedId())(
    'works the QA queue on %s: backlog, claim, heartbeat, release, resolve, send back',
    async dbId => {
      const knex = await databases.init(dbId);
      const { manager, annotator, analyst } = await clients(knex);
      const project = await manager.createProject(
        newProject({
          name: 'client-qa',
          status: 'active',
          config: { workforce, questions: [belongsQuestion] },
        }),
      );
      await manager.importItems(
        project.id,
        ['x', 'y']
          .map(id =>
            JSON.stringify({ externalId: id, data: { track_title: id } }),
          )
          .join('\n'),
      );
      const quality = new KnexQualityStore(knex);
      for (let n = 0; n < 2; n++) {
        const lease = await annotator.next(project.id);
        await annotator.submit(project.id, lease!.item.id, {
          token: lease!.token,
          answer: { belongs: 'yes' },
        });
        await quality.escalate(lease!.item.id, {
          configVersion: 1,
          reasons: [{ code: 'low-confidence', value: 0.4, threshold: 0.7 }],
        });
      }
      expect(await analyst.listQaQueues()).toEqual([
        expect.objectContaining({
          project: expect.objectContaining({ id: project.id }),
          open: 2,
        }),
      ]);
      const page = await manager.listEscalations(project.id, { limit: 1 });
      expect(page).toMatchObject({ open: 2, items: [{ externalId: 'x' }] });
      const rest = await manager.listEscalations(project.id, {
        cursor: page.nextCursor,
      });
      expect(rest.items.map(e => e.externalId)).toEqual(['y']);

      const first = await analyst.nextEscalation(project.id);
      expect(first).toMatchObject({
        item: { externalId: 'x' },
        answers: [{ annotator: users.annotator, answer: { belongs: 'yes' } }],
      });
      expect(
        Date.parse(
          (await analyst.extendEscalationClaim(project.id, first!.token))
            .expiresAt,
        ),
      ).toBeGreaterThan(Date.now());
      await analyst.releaseEscalationClaim(project.id, first!.token);
      const again = await analyst.nextEscalation(project.id);
      expect(again!.escalation.id).toBe(first!.escalation.id);
      const resolved = await analyst.resolveEscalation(
        project.id,
        again!.token,
        { answer: { belongs: 'no' }, note: 'checked' },
      );
      expect(resolved).toMatchObject({
        replayed: false,
        escalation: { resolution: 'resolved', answer: { belongs: 'no' } },
      });
      const second = await analyst.nextEscalation(project.id);
      const sent = await analyst.sendBackEscalation(
        project.id,
        second!.token,
        'listen to the end',
      );
      expect(sent.escalation).toMatchObject({
        resolution: 'sent-back',
        note: 'listen to the end',
      });
      expect(await analyst.nextEscalation(project.id)).toBeUndefined();
      expect(
        (await manager.listEscalations(project.id, { status: 'all' })).items,
      ).toHaveLength(2);
      // resolving is an analyst's work; the manager is told which permission
      await expect(manager.nextEscalation(project.id)).rejects.toMatchObject({
        statusCode: 403,
      });
    },
  );

  it('runs a project from creation to an answer', async () => {
    const { manager, annotator } = await clients();
    const project = await manager.createProject(
      newProject({
        name: 'client-check',
        config: { workforce, questions: [belongsQuestion] },
      }),
    );
    expect((await manager.listProjects()).map(p => p.id)).toEqual([project.id]);
    expect((await manager.getProject(project.id)).name).toBe('client-check');
    const updated = await manager.updateConfig(
      project.id,
      { ...(await manager.getConfig(project.id)).config, overlap: 2 },
      1,
    );
    expect(updated.configVersion).toBe(2);
    expect((await annotator.getConfig(project.id, 1)).config.overlap).toBe(1);

    const summary = await manager.importItems(
      project.id,
      `${JSON.stringify({ externalId: 'x', data: { track_title: 'X' } })}\n`,
    );
    expect(summary.inserted).toBe(1);
    await manager.setStatus(project.id, 'active');

    const lease = await annotator.next(project.id);
    expect(lease!.item.externalId).toBe('x');
    expect(
      new Date(
        (await annotator.heartbeat(project.id, lease!.token)).expiresAt,
      ).getTime(),
    ).toBeGreaterThan(Date.now());
    const result = await annotator.submit(project.id, lease!.item.id, {
      token: lease!.token,
      answer: { belongs: 'yes' },
      idempotencyKey: 'once',
      timeSpentMs: 900,
    });
    expect(result).toMatchObject({ outcome: 'created', itemCompleted: false });
    expect(await annotator.next(project.id)).toBeUndefined();
    expect((await manager.progress(project.id)).annotations).toBe(1);

    // Backstage's ResponseError, carrying the server's error body
    await expect(
      annotator.setStatus(project.id, 'paused'),
    ).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 403,
      body: {
        error: {
          message:
            'changing the status is not allowed: it needs the annotation.project.update permission on project client-check',
        },
      },
    });
  });

  it('releases and skips through the same paths as the router', async () => {
    const { manager, annotator } = await clients();
    const project = await manager.createProject(
      newProject({
        name: 'client-skip',
        status: 'active',
        config: {
          workforce,
          questions: [
            { id: 'q', type: 'free-text', title: 'Q', field: 'text' },
          ],
        },
      }),
    );
    await manager.importItems(
      project.id,
      ['a', 'b']
        .map(id => JSON.stringify({ externalId: id, data: { text: id } }))
        .join('\n'),
    );
    const first = await annotator.next(project.id);
    await annotator.release(project.id, first!.token);
    const again = await annotator.next(project.id);
    expect(again!.item.id).toBe(first!.item.id);
    await annotator.skip(project.id, again!.token, 'unreadable');
    expect((await annotator.next(project.id))!.item.externalId).toBe('b');
  });

  it('imports a Blob as the body and lists the imports', async () => {
    const { manager, annotator } = await clients();
    const project = await manager.createProject(
      newProject({
        name: 'client-blob',
        config: { workforce, questions: [belongsQuestion] },
      }),
    );
    const lines = [
      JSON.stringify({ externalId: 'a', data: { track_title: 'A' } }),
      JSON.stringify({ externalId: 'b', data: {} }),
      JSON.stringify({ externalId: 'c', data: { track_title: 'C' } }),
    ];
    const file = new Blob([`${lines.join('\n')}\n`], {
      type: 'application/x-ndjson',
    });
    const summary = await manager.importItems(project.id, file);
    expect(summary).toMatchObject({
      lines: 3,
      inserted: 2,
      rejected: 1,
      errors: [expect.objectContaining({ line: 2, externalId: 'b' })],
    });

    const imports = await manager.listImports(project.id);
    expect(imports).toEqual([
      expect.objectContaining({
        id: summary.importId,
        status: 'done',
        createdBy: 'user:default/jonas.berg',
        summary: expect.objectContaining({ inserted: 2, rejected: 1 }),
      }),
    ]);
    // importing is for managers; an annotator is told which permission
    await expect(annotator.listImports(project.id)).rejects.toMatchObject({
      statusCode: 403,
    });
  });

  it('recomputes quality and reads the quality metrics', async () => {
    const { manager, annotator } = await clients();
    const project = await manager.createProject(
      newProject({
        name: 'client-quality',
        status: 'active',
        config: { workforce, questions: [belongsQuestion] },
      }),
    );
    await manager.importItems(
      project.id,
      JSON.stringify({ externalId: 'a', data: { track_title: 'A' } }),
    );
    const lease = await annotator.next(project.id);
    await annotator.submit(project.id, lease!.item.id, {
      token: lease!.token,
      answer: { belongs: 'yes' },
    });
    const fit = await manager.refitQuality(project.id);
    expect(fit).toMatchObject({ configVersion: 1, answersUsed: 1 });
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const metrics = await manager.qualityMetrics(project.id, {
      bucket: 'hour',
      since,
    });
    expect(metrics.agreement).toMatchObject({
      fittedAt: fit.fittedAt,
      questions: [
        {
          id: 'belongs',
          measures: { percent: { undefined: 'no-pairable-values' } },
        },
      ],
    });
    expect(metrics.volume.points.reduce((n, p) => n + p.human, 0)).toBe(1);
    expect((await manager.qualityMetrics(project.id)).volume.bucket).toBe(
      'day',
    );
    await expect(annotator.qualityMetrics(project.id)).rejects.toMatchObject({
      statusCode: 403,
    });
    await expect(annotator.refitQuality(project.id)).rejects.toMatchObject({
      statusCode: 403,
    });
  });
});
