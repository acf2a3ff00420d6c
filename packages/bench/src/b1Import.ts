import { createBenchDatabase, DbKind } from './databases';
import { createProject, importGenerated, ImportSummary } from './project';
import { rawInsert } from './rawInsert';
import { emit, log, round } from './report';
import { BenchBackend, startBackend } from './server';

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
      log(`b1 ${kind}: importing ${o.items} items through the API`);
      const first = await measuredImport(backend, projectId, o.items, o.seed);
      if (first.summary.inserted !== o.items || first.summary.rejected !== 0) {
        throw new Error(`import incomplete: ${JSON.stringify(first.summary)}`);
      }
      const rows = await db.query<{ n: number | string }>(
        `SELECT count(*) AS n FROM items WHERE project_id = '${projectId}'`,
      );
      if (Number(rows[0].n) !== o.items) {
        throw new Error(`${rows[0].n} items stored, ${o.items} expected`);
      }

      const rate = o.items / first.seconds;
      const ratio = rate / rawRate;
      const base = { bench: 'b1', db: kind } as const;
      emit({ ...base, figure: 'items', value: o.items });
      emit({
        ...base,
        figure: 'import_seconds',
        value: round(first.seconds, 2),
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
        value: round(first.rssBefore / MB),
        unit: 'MB',
      });
      emit({
        ...base,
        figure: 'rss_peak_mb',
        value: round(first.rssPeak / MB),
        unit: 'MB',
      });
      let rssPass = first.growth < 300;
      emit({
        ...base,
        figure: 'rss_growth_mb',
        value: round(first.growth),
        unit: 'MB',
        target: '< 300',
        pass: rssPass,
      });

      // the same file again (every line unchanged), then a file whose every
      // line changed (every item updated): both stream as the first did
      const again: Array<[string, number, keyof ImportSummary]> = [
        ['unchanged', o.seed, 'unchanged'],
        ['changed', o.seed + 1, 'updated'],
      ];
      for (const [name, seed, counted] of again) {
        log(`b1 ${kind}: re-importing, every line ${name}`);
        const run = await measuredImport(backend, projectId, o.items, seed);
        if (run.summary[counted] !== o.items) {
          throw new Error(
            `re-import (${name}): ${
              o.items
            } ${counted} expected, got ${JSON.stringify(run.summary)}`,
          );
        }
        emit({
          ...base,
          figure: `reimport_${name}_items_per_s`,
          value: Math.round(o.items / run.seconds),
          unit: 'items/s',
        });
        const pass = run.growth < 300;
        emit({
          ...base,
          figure: `reimport_${name}_rss_growth_mb`,
          value: round(run.growth),
          unit: 'MB',
          target: '< 300',
          pass,
        });
        rssPass = rssPass && pass;
      }
      return ratioPass && rssPass;
    } finally {
      await backend.stop();
    }
  } finally {
    await db.dispose();
  }
}

/** One import of the generated file, timed, with the backend's RSS sampled. */
async function measuredImport(
  backend: BenchBackend,
  projectId: string,
  items: number,
  seed: number,
) {
  const rssBefore = backend.rssBytes();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, backend.rssBytes());
  }, 200);
  const started = performance.now();
  const summary = await importGenerated(
    backend.service,
    projectId,
    items,
    seed,
  ).finally(() => clearInterval(sampler));
  const seconds = (performance.now() - started) / 1000;
  return {
    summary,
    seconds,
    rssBefore,
    rssPeak,
    growth: (rssPeak - rssBefore) / MB,
  };
}
