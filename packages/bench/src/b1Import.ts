import { createBenchDatabase, DbKind } from './databases';
import { createProject, importGenerated } from './project';
import { rawInsert } from './rawInsert';
import { emit, log, round } from './report';
import { startBackend } from './server';

export interface B1Options {
  items: number;
  seed: number;
  cpuProfileDir?: string;
}

const MB = 1024 * 1024;

/**
 * B1: N generated items with predictions streamed as one NDJSON request
 * through the import API, against the same rows inserted raw.
 */
export async function runB1(kind: DbKind, o: B1Options): Promise<boolean> {
  const db = await createBenchDatabase(kind);
  try {
    log(`b1 ${kind}: raw reference, ${o.items} rows`);
    const rawSeconds = await rawInsert(db, o.items, o.seed);
    const rawRate = o.items / rawSeconds;

    const backend = await startBackend(db, { cpuProfileDir: o.cpuProfileDir });
    try {
      const projectId = await createProject(backend.service, {
        name: `bench-b1-${kind}`,
        overlap: 1,
      });
      const rssBefore = backend.rssBytes();
      let rssPeak = rssBefore;
      const sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, backend.rssBytes());
      }, 200);
      log(`b1 ${kind}: importing ${o.items} items through the API`);
      const started = performance.now();
      const summary = await importGenerated(
        backend.service,
        projectId,
        o.items,
        o.seed,
      ).finally(() => clearInterval(sampler));
      const seconds = (performance.now() - started) / 1000;
      if (summary.inserted !== o.items || summary.rejected !== 0) {
        throw new Error(`import incomplete: ${JSON.stringify(summary)}`);
      }
      const rows = await db.query<{ n: number | string }>(
        `SELECT count(*) AS n FROM items WHERE project_id = '${projectId}'`,
      );
      if (Number(rows[0].n) !== o.items) {
        throw new Error(`${rows[0].n} items stored, ${o.items} expected`);
      }

      const rate = o.items / seconds;
      const ratio = rate / rawRate;
      const growth = (rssPeak - rssBefore) / MB;
      const base = { bench: 'b1', db: kind } as const;
      emit({ ...base, figure: 'items', value: o.items });
      emit({
        ...base,
        figure: 'import_seconds',
        value: round(seconds, 2),
        unit: 's',
      });
      emit({
        ...base,
        figure: 'import_items_per_s',
        value: Math.round(rate),
        unit: 'items/s',
      });
      emit({
        ...base,
        figure: 'raw_items_per_s',
        value: Math.round(rawRate),
        unit: 'items/s',
      });
      const ratioPass = ratio >= 0.4;
      emit({
        ...base,
        figure: 'import_to_raw_ratio',
        value: round(ratio, 3),
        target: '>= 0.4',
        pass: ratioPass,
      });
      emit({
        ...base,
        figure: 'rss_before_mb',
        value: round(rssBefore / MB),
        unit: 'MB',
      });
      emit({
        ...base,
        figure: 'rss_peak_mb',
        value: round(rssPeak / MB),
        unit: 'MB',
      });
      const rssPass = growth < 300;
      emit({
        ...base,
        figure: 'rss_growth_mb',
        value: round(growth),
        unit: 'MB',
        target: '< 300',
        pass: rssPass,
      });
      return ratioPass && rssPass;
    } finally {
      await backend.stop();
    }
  } finally {
    await db.dispose();
  }
}
