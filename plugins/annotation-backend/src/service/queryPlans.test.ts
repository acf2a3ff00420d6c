import { TestDatabases } from '@backstage/backend-test-utils';
import { apiCaller } from '../__testUtils__/callers';
import {
  belongsQuestion,
  newProject,
  workforce,
} from '../__testUtils__/fixtures';
import { startAnnotationApi } from '../__testUtils__/startApi';
import { SqliteConnection } from '../database';

jest.setTimeout(60_000);

/*
 * The labeling path must cost the same at a million items as at ten: every
 * statement it runs finds its rows by key (the item, the annotator, the
 * lease), never by walking the project. SQLite only: it plans without
 * statistics, so a second index on `project_id` can win by a tie-break (it
 * once made each completing answer read every answer of the project), while
 * PostgreSQL's plans on a test-sized table say nothing about a large one.
 */
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/** Tables that grow with the project. */
const LARGE =
  'items|annotations|leases|skips|escalations|item_outcomes|llm_answers';
const FULL_SCAN = new RegExp(`^SCAN (${LARGE})\\b`);
const PROJECT_WALK = new RegExp(
  `^SEARCH (${LARGE}) USING (COVERING )?INDEX \\w+ \\(project_id=\\?\\)$`,
);

it('answers, leases and decisions on SQLite find their rows by key', async () => {
  const knex = await databases.init('SQLITE_3');
  const server = await startAnnotationApi({ knex });
  const call = apiCaller(server);
  const created = await call('post', '/projects', 'manager').send(
    newProject({
      config: { overlap: 2, workforce, questions: [belongsQuestion] },
    }),
  );
  const p = created.body.id as string;
  await call('post', `/projects/${p}/items/import`, 'manager')
    .set('Content-Type', 'application/x-ndjson')
    .send(
      Array.from({ length: 6 }, (_, i) =>
        JSON.stringify({ externalId: `t${i}`, data: { track_title: `T${i}` } }),
      ).join('\n'),
    );
  await call('put', `/projects/${p}/status`, 'manager').send({
    status: 'active',
  });

  // from here on, every statement the connection prepares (knex's and the
  // stores' own) is recorded
  const statements = new Set<string>();
  const connection: SqliteConnection = await knex.client.acquireConnection();
  const prepare = connection.prepare.bind(connection);
  connection.prepare = (sql: string) => {
    statements.add(sql);
    return prepare(sql);
  };
  await knex.client.releaseConnection(connection);

  // two annotators disagree on each item they share: each completing answer
  // is evaluated and escalates; one skips, one edits, one retries
  let key = 0;
  for (const [who, answer] of [
    ['annotator', 'yes'],
    ['otherAnnotator', 'no'],
    ['annotator', 'yes'],
    ['otherAnnotator', 'no'],
  ] as const) {
    const lease = await call('post', `/projects/${p}/next`, who).send({});
    expect(lease.status).toBe(200);
    const path = `/projects/${p}/items/${lease.body.item.id}/annotations`;
    const body = {
      token: lease.body.token,
      answer: { belongs: answer },
      idempotencyKey: `k${(key += 1)}`,
    };
    expect((await call('post', path, who).send(body)).status).toBe(201);
    expect((await call('post', path, who).send(body)).status).toBe(200);
  }
  const skipped = await call('post', `/projects/${p}/next`, 'annotator').send(
    {},
  );
  await call(
    'post',
    `/projects/${p}/leases/${skipped.body.token}/skip`,
    'annotator',
  ).send({ reason: 'unclear' });
  expect(statements.size).toBeGreaterThan(10);

  const offending: string[] = [];
  for (const sql of statements) {
    if (
      !/^\s*(SELECT|UPDATE|DELETE|INSERT|WITH|select|update|delete|insert|with)/.test(
        sql,
      )
    ) {
      continue; // BEGIN, COMMIT, pragmas
    }
    // the plan does not depend on the values: every parameter is NULL
    const plain = sql.replace(/\?/g, 'NULL').replace(/(?<!:):\w+/g, 'NULL');
    const plan: Array<{ detail: string }> = prepare(
      `EXPLAIN QUERY PLAN ${plain}`,
    ).all();
    for (const { detail } of plan) {
      if (FULL_SCAN.test(detail) || PROJECT_WALK.test(detail)) {
        offending.push(`${detail}\n    in ${sql.replace(/\s+/g, ' ')}`);
      }
    }
  }
  expect(offending).toEqual([]);
});
