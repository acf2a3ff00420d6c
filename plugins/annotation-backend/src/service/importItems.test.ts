import { createHash } from 'crypto';
import { TestDatabases } from '@backstage/backend-test-utils';
import { Readable } from 'stream';
import { choiceConfig, newProject } from '../__testUtils__/fixtures';
import {
  applyDatabaseMigrations,
  KnexItemStore,
  KnexProjectStore,
  readCounters,
} from '../database';
import {
  DEFAULT_IMPORT_LIMITS,
  importItems,
  ImportLimits,
  ndjsonLines,
  parseImportLine,
} from './importItems';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const config = choiceConfig({ overlap: 2 });

function line(externalId: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    externalId,
    data: { track_title: `Track ${externalId}` },
    ...extra,
  });
}

function ndjson(lines: string[], chunkSize = 7) {
  // small chunks, so lines straddle chunk boundaries
  const text = `${lines.join('\n')}\n`;
  const chunks: Buffer[] = [];
  for (let i = 0; i < text.length; i += chunkSize) {
    chunks.push(Buffer.from(text.slice(i, i + chunkSize)));
  }
  return Readable.from(chunks);
}

describe('parseImportLine', () => {
  it('hashes a line as stored items were hashed, so re-imports stay unchanged', () => {
    const lines = [
      { externalId: 'a', data: { track_title: 'Ünïcode "quoted"' } },
      {
        externalId: 'b',
        data: { track_title: 'B', extra: [1, 2.5, null] },
        predictions: { belongs: { label: 'yes', score: 0.75 } },
        priority: 7,
        gold: { belongs: 'no' },
      },
    ];
    lines.forEach((raw, i) => {
      const item = parseImportLine(config, JSON.stringify(raw), i + 1);
      const expected = createHash('sha256')
        .update(
          JSON.stringify([
            raw.data,
            (raw as { predictions?: unknown }).predictions ?? null,
            (raw as { priority?: number }).priority ?? 0,
            (raw as { gold?: unknown }).gold ?? null,
          ]),
        )
        .digest('hex');
      expect(item).toMatchObject({
        contentHash: expected,
        dataJson: JSON.stringify(raw.data),
      });
    });
  });
});

describe('ndjsonLines', () => {
  it('splits lines across chunks and flags over-long ones', async () => {
    const lines = [];
    for await (const l of ndjsonLines(
      Readable.from([
        Buffer.from('{"a":1}\n{"b"'),
        Buffer.from(':2}\n'),
        Buffer.from('x'.repeat(50)),
        Buffer.from('\nlast'),
      ]),
      { maxLineBytes: 20, maxBodyBytes: 1000 },
    )) {
      lines.push(l);
    }
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":2}' },
      { line: 3, tooLong: true },
      { line: 4, text: 'last' },
    ]);
  });

  it('reads a line within one chunk as one split across chunks, even inside a character', async () => {
    const text = '{"t":"é"}';
    const bytes = Buffer.from(`${text}\n\n${text}\n${'z'.repeat(30)}\n${text}`);
    // cut between the two bytes of the last é
    const cut = bytes.lastIndexOf(Buffer.from('é')) + 1;
    const lines = [];
    for await (const l of ndjsonLines(
      Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]),
      { maxLineBytes: 20, maxBodyBytes: 1000 },
    )) {
      lines.push(l);
    }
    expect(lines).toEqual([
      { line: 1, text },
      { line: 2, text: '' },
      { line: 3, text },
      { line: 4, tooLong: true },
      { line: 5, text },
    ]);
  });

  it('stops at the body limit, naming it', async () => {
    const read = async () => {
      for await (const _ of ndjsonLines(
        Readable.from([Buffer.from('1\n2\n'), Buffer.from('3\n4\n')]),
        {
          maxLineBytes: 10,
          maxBodyBytes: 5,
        },
      )) {
        // consume
      }
    };
    await expect(read()).rejects.toThrow(
      'body: at most 5 bytes expected (annotation.import.maxBodyBytes), read up to line 2',
    );
  });
});

describe.each(databases.eachSupportedId())('importItems on %s', id => {
  async function setup(limits: Partial<ImportLimits> = {}) {
    const knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    const projects = new KnexProjectStore(knex);
    const items = new KnexItemStore(knex);
    const project = await projects.create(
      newProject(),
      config,
      'user:default/jonas.berg',
    );
    const run = (lines: string[]) =>
      importItems({
        projectId: project.id,
        actor: 'user:default/jonas.berg',
        config,
        body: ndjson(lines),
        items,
        limits: { ...DEFAULT_IMPORT_LIMITS, batchSize: 3, ...limits },
      });
    return { knex, project, run };
  }

  it('stores good lines, reports bad ones by line, and is idempotent', async () => {
    const { knex, project, run } = await setup();
    const lines = [
      line('t1', { priority: 5 }),
      line('t2', { predictions: { belongs: { label: 'yes', score: 0.9 } } }),
      '{not json',
      line('t3', { gold: { belongs: 'no' } }),
      '',
      JSON.stringify({ externalId: 't4', data: {} }),
      line('t5', { colour: 'red', priority: 1.5 }),
      line('t6', { gold: { belongs: 'maybe' } }),
      line('t7'),
      line('t1', { priority: 5 }),
    ];
    const first = await run(lines);
    expect(first).toMatchObject({
      lines: 10,
      inserted: 4,
      updated: 0,
      unchanged: 1, // line 10 repeats line 1 in a later batch
      rejected: 4,
    });
    expect(first.errors).toEqual([
      { line: 3, reason: expect.stringMatching(/^not valid JSON/) },
      {
        line: 6,
        externalId: 't4',
        reason: 'data.track_title: is required by question "belongs"',
      },
      {
        line: 7,
        externalId: 't5',
        reason:
          '"colour": not a known field (externalId, data, predictions, priority, gold); priority: a whole number expected',
      },
      {
        line: 8,
        externalId: 't6',
        reason: 'gold.belongs: one of yes, no, unsure expected',
      },
    ]);

    const again = await run(lines);
    expect(again).toMatchObject({
      inserted: 0,
      updated: 0,
      unchanged: 5,
      rejected: 4,
    });

    const rows = await knex('items')
      .where({ project_id: project.id })
      .orderBy('external_id');
    expect(rows.map(r => r.external_id)).toEqual(['t1', 't2', 't3', 't7']);
    expect(rows[0].priority).toBe(5);
    expect(Number(rows[1].uncertainty)).toBeCloseTo(0.1);
    expect(JSON.parse(rows[2].gold)).toEqual({ belongs: 'no' });
    // a line with gold is a honeypot, apart from the regular pool
    expect(rows.map(r => r.state)).toEqual(['open', 'open', 'gold', 'open']);
    expect(await readCounters(knex, project.id)).toMatchObject({
      'items.open': 3,
      'items.gold': 1,
    });

    const imports = await knex('imports').where({ project_id: project.id });
    expect(imports.map(i => i.status)).toEqual(['done', 'done']);
  });

  it('updates a changed item, but not one that has answers', async () => {
    const { knex, project, run } = await setup();
    await run([line('a'), line('b')]);
    await knex('items')
      .where({ project_id: project.id, external_id: 'b' })
      .update({ answer_count: 1, slots_taken: 1 });
    const changed = await run([
      line('a', { priority: 9 }),
      line('b', { priority: 9 }),
    ]);
    expect(changed).toMatchObject({
      inserted: 0,
      updated: 1,
      unchanged: 0,
      rejected: 1,
    });
    expect(changed.errors[0]).toEqual({
      line: 2,
      externalId: 'b',
      reason:
        'item already has annotations or is being annotated; it was not updated',
    });
    const a = await knex('items')
      .where({ project_id: project.id, external_id: 'a' })
      .first();
    expect(a.priority).toBe(9);
  });

  it('reports duplicates within one batch', async () => {
    const { run } = await setup({ batchSize: 100 });
    const summary = await run([line('x'), line('x', { priority: 2 })]);
    expect(summary).toMatchObject({ inserted: 1, rejected: 1 });
    expect(summary.errors.map(e => e.reason)).toEqual([
      'externalId: "x" already appears on line 1',
    ]);
  });

  it('stops at an over-long line, keeping only the batches stored before it', async () => {
    const { knex, project, run } = await setup({
      maxLineBytes: 200,
      batchSize: 2,
    });
    const long = line('long', { data: { track_title: 'y'.repeat(300) } });
    const summary = await run([
      line('a'),
      line('b'),
      line('c'),
      long,
      line('d'),
    ]);
    expect(summary.truncated).toBe(
      'line 4: at most 200 bytes per line expected (annotation.import.maxLineBytes; one JSON object per line); the import stopped there: lines 1 to 2 were stored, later ones were not (importing the corrected file again leaves stored items unchanged)',
    );
    const stored = await knex('items').where({ project_id: project.id });
    expect(stored.map(r => r.external_id).sort()).toEqual(['a', 'b']);
    const imports = await knex('imports').where({ project_id: project.id });
    expect(imports.map(i => i.status)).toEqual(['failed']);
  });

  it('stores nothing, and records no import, when a small file breaks a limit', async () => {
    const { knex, project, run } = await setup({ maxLineBytes: 200 });
    const long = line('long', { data: { track_title: 'y'.repeat(300) } });
    const summary = await run([line('a'), long]);
    expect(summary.truncated).toMatch(/stopped there and stored nothing$/);
    expect(await knex('items').where({ project_id: project.id })).toEqual([]);
    expect(await knex('imports').where({ project_id: project.id })).toEqual([]);
  });

  it('keeps the batches stored before an oversized body and says where it stopped', async () => {
    const { knex, project, run } = await setup({
      maxBodyBytes: 300,
      batchSize: 2,
    });
    const lines = Array.from({ length: 20 }, (_, i) => line(`i${i}`));
    const summary = await run(lines);
    expect(summary.truncated).toMatch(
      /^body: at most 300 bytes expected \(annotation\.import\.maxBodyBytes\), read up to line \d+; the import stopped there: lines 1 to \d+ were stored/,
    );
    const stored = await knex('items')
      .where({ project_id: project.id })
      .count({ n: '*' });
    expect(Number(stored[0].n)).toBe(summary.inserted);
    expect(summary.inserted).toBeGreaterThan(0);
    expect(summary.inserted).toBeLessThan(20);
    // whole batches only
    expect(summary.inserted % 2).toBe(0);
  });

  it('stores each item once when the same file is imported twice at once', async () => {
    const { knex, project, run } = await setup({ batchSize: 10 });
    const lines = Array.from({ length: 60 }, (_, i) => line(`c${i}`));
    const [a, b] = await Promise.all([run(lines), run(lines)]);
    expect(a.inserted + b.inserted).toBe(60);
    expect(a.inserted + a.unchanged).toBe(60);
    const stored = await knex('items')
      .where({ project_id: project.id })
      .count({ n: '*' });
    expect(Number(stored[0].n)).toBe(60);
    expect((await readCounters(knex, project.id))['items.open']).toBe(60);
  });
});
