import { createBenchDatabase, DbKind } from './databases';
import { HttpClient } from './http';
import { LABELS, QUESTION_ID } from './items';
import { createProject, importGenerated, setStatus } from './project';
import { emit, log, percentile, round } from './report';
import { startBackend, startCpuMeter } from './server';

export interface B2Options {
  items: number;
  seed: number;
  seconds: number;
  annotators: number;
  warmupSeconds: number;
  cpuProfileDir?: string;
}

const OVERLAP = 3;

/** Runs `work` for each client in a closed loop until `end`. */
async function closedLoop(
  clients: HttpClient[],
  end: number,
  work: (client: HttpClient, user: number) => Promise<boolean>,
): Promise<void> {
  await Promise.all(
    clients.map(async (client, user) => {
      while (performance.now() < end) {
        if (!(await work(client, user))) {
          return;
        }
      }
    }),
  );
}

/**
 * B2: `annotators` simulated annotators loop next → submit over HTTP on a
 * project of `items` items with overlap 3; the reference is a trivial
 * authenticated GET by the same users at the same concurrency.
 */
export async function runB2(kind: DbKind, o: B2Options): Promise<boolean> {
  const db = await createBenchDatabase(kind);
  const base = { bench: 'b2', db: kind } as const;
  let pass = true;
  try {
    const backend = await startBackend(db, { cpuProfileDir: o.cpuProfileDir });
    let projectId = '';
    let created = 0;
    try {
      projectId = await createProject(backend.service, {
        name: `bench-b2-${kind}`,
        overlap: OVERLAP,
      });
      log(`b2 ${kind}: seeding ${o.items} items through the import API`);
      const seeded = performance.now();
      const summary = await importGenerated(
        backend.service,
        projectId,
        o.items,
        o.seed,
      );
      if (summary.inserted !== o.items) {
        throw new Error(`seeding incomplete: ${JSON.stringify(summary)}`);
      }
      log(
        `b2 ${kind}: seeded in ${round((performance.now() - seeded) / 1000)} s`,
      );
      await setStatus(backend.service, projectId, 'active');

      const clients: HttpClient[] = [];
      for (let i = 1; i <= o.annotators; i++) {
        const token = await backend.signIn(`bench-annotator-${i}`);
        clients.push(new HttpClient(backend.baseUrl, token));
      }
      const projectPath = `/api/annotation/projects/${projectId}`;

      // reference: the same users, the same concurrency, a trivial
      // authenticated read (caller identity + one project row)
      const getLatencies: number[] = [];
      let getErrors = 0;
      const get = async (client: HttpClient, record: boolean) => {
        const res = await client.request('GET', projectPath);
        if (res.status !== 200) {
          getErrors += 1;
        } else if (record) {
          getLatencies.push(res.ms);
        }
        return true;
      };
      log(`b2 ${kind}: reference GET, ${o.annotators} users`);
      const refWarm = performance.now() + o.warmupSeconds * 1000;
      await closedLoop(clients, refWarm, c => get(c, false));
      const refStart = performance.now();
      const refCpu = startCpuMeter(backend);
      await closedLoop(clients, refStart + o.seconds * 1000, c => get(c, true));
      const refSeconds = (performance.now() - refStart) / 1000;
      const refUsage = refCpu();

      // the lease loop: next → submit, as fast as the backend answers
      const nextLatencies: number[] = [];
      const submitLatencies: number[] = [];
      const errors: Record<string, number> = {};
      let windowSubmits = 0;
      let exhausted = 0;
      const counters = clients.map(() => 0);
      const fail = (what: string, status: number, body: string) => {
        const key = `${what} ${status}`;
        errors[key] = (errors[key] ?? 0) + 1;
        if (errors[key] === 1) {
          log(`b2 ${kind}: ${key}: ${body.slice(0, 300)}`);
        }
      };
      log(`b2 ${kind}: lease loop, ${o.annotators} users, ${o.seconds} s`);
      const leaseWarm = performance.now() + o.warmupSeconds * 1000;
      const leaseEnd = leaseWarm + o.seconds * 1000;
      // meanwhile, one more caller reads the project now and then (shown,
      // not judged: the reference under the same load)
      const probeLatencies: number[] = [];
      const probeClient = clients[0];
      let probing = true;
      const prober = (async () => {
        while (probing) {
          await new Promise(r => setTimeout(r, 100));
          if (performance.now() >= leaseWarm) {
            const res = await probeClient.request('GET', projectPath);
            if (res.status === 200) {
              probeLatencies.push(res.ms);
            }
          }
        }
      })();
      let leaseCpu: ReturnType<typeof startCpuMeter> | undefined;
      setTimeout(() => {
        leaseCpu = startCpuMeter(backend);
      }, o.warmupSeconds * 1000);
      await closedLoop(clients, leaseEnd, async (client, user) => {
        const record = performance.now() >= leaseWarm;
        const next = await client.request('POST', `${projectPath}/next`, {
          json: {},
        });
        if (next.status === 204) {
          exhausted += 1;
          return false;
        }
        if (next.status !== 200) {
          fail('next', next.status, next.body);
          return true;
        }
        if (record) {
          nextLatencies.push(next.ms);
        }
        const lease = JSON.parse(next.body);
        counters[user] += 1;
        const submit = await client.request(
          'POST',
          `${projectPath}/items/${lease.item.id}/annotations`,
          {
            json: {
              token: lease.token,
              answer: { [QUESTION_ID]: LABELS[(user + counters[user]) % 3] },
              idempotencyKey: `u${user}-${counters[user]}`,
              timeSpentMs: 1000,
            },
          },
        );
        if (submit.status !== 201) {
          fail('submit', submit.status, submit.body);
          return true;
        }
        created += 1;
        if (record && performance.now() <= leaseEnd) {
          windowSubmits += 1;
          submitLatencies.push(submit.ms);
        }
        return true;
      });
      const leaseSeconds = (performance.now() - leaseWarm) / 1000;
      const leaseUsage = leaseCpu?.();
      probing = false;
      await prober;
      clients.forEach(c => c.close());

      const refP99 = percentile(getLatencies, 99);
      const nextP99 = percentile(nextLatencies, 99);
      const submitRate = windowSubmits / leaseSeconds;
      emit({ ...base, figure: 'items', value: o.items });
      emit({ ...base, figure: 'annotators', value: o.annotators });
      emit({ ...base, figure: 'seconds', value: o.seconds, unit: 's' });
      emit({
        ...base,
        figure: 'reference_get_per_s',
        value: Math.round(getLatencies.length / refSeconds),
        unit: 'req/s',
      });
      emit({
        ...base,
        figure: 'reference_get_p50_ms',
        value: round(percentile(getLatencies, 50), 2),
        unit: 'ms',
      });
      emit({
        ...base,
        figure: 'reference_get_p99_ms',
        value: round(refP99, 2),
        unit: 'ms',
      });
      emit({ ...base, figure: 'reference_get_errors', value: getErrors });
      emit({
        ...base,
        figure: 'next_p50_ms',
        value: round(percentile(nextLatencies, 50), 2),
        unit: 'ms',
      });
      emit({
        ...base,
        figure: 'next_p99_ms',
        value: round(nextP99, 2),
        unit: 'ms',
      });
      emit({
        ...base,
        figure: 'submit_p50_ms',
        value: round(percentile(submitLatencies, 50), 2),
        unit: 'ms',
      });
      emit({
        ...base,
        figure: 'submit_p99_ms',
        value: round(percentile(submitLatencies, 99), 2),
        unit: 'ms',
      });
      emit({
        ...base,
        figure: 'get_p99_during_lease_loop_ms',
        value: round(percentile(probeLatencies, 99), 2),
        unit: 'ms',
      });
      // the dashboard's reads on a project this size, after the loop
      // (shown, not judged): they must not grow with the project
      for (const [figure, path] of [
        ['metrics_quality', `${projectPath}/metrics/quality?bucket=day`],
        ['progress', `${projectPath}/progress`],
      ] as const) {
        const times: number[] = [];
        for (let i = 0; i < 10; i++) {
          const res = await backend.service.request('GET', path);
          if (res.status === 200) {
            times.push(res.ms);
          } else {
            fail(figure, res.status, res.body);
          }
        }
        emit({
          ...base,
          figure: `${figure}_p50_ms`,
          value: round(percentile(times, 50), 2),
          unit: 'ms',
        });
        emit({
          ...base,
          figure: `${figure}_max_ms`,
          value: round(Math.max(...times), 2),
          unit: 'ms',
        });
      }
      for (const [phase, usage] of [
        ['reference', refUsage],
        ['lease', leaseUsage],
      ] as const) {
        if (usage) {
          emit({
            ...base,
            figure: `${phase}_backend_cpu_cores`,
            value: round(usage.backendCores, 2),
          });
          emit({
            ...base,
            figure: `${phase}_client_cpu_cores`,
            value: round(usage.clientCores, 2),
          });
          emit({
            ...base,
            figure: `${phase}_machine_busy_share`,
            value: round(usage.machineBusyShare, 2),
          });
        }
      }
      const ratio = nextP99 / refP99;
      const ratioPass = ratio <= 3;
      emit({
        ...base,
        figure: 'next_p99_to_reference_p99',
        value: round(ratio, 2),
        target: '<= 3',
        pass: ratioPass,
      });
      const ratePass = submitRate >= 500;
      emit({
        ...base,
        figure: 'submits_per_s',
        value: Math.round(submitRate),
        unit: 'submits/s',
        target: '>= 500',
        pass: ratePass,
      });
      const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
      emit({
        ...base,
        figure: 'errors',
        value: errorCount,
        target: '0',
        pass: errorCount === 0,
      });
      if (exhausted) {
        emit({ ...base, figure: 'annotators_out_of_work', value: exhausted });
      }
      pass = ratioPass && ratePass && errorCount === 0;
    } finally {
      await backend.stop();
    }

    // afterwards, in SQL
    const count = async (sql: string) =>
      Number((await db.query<{ n: number | string }>(sql))[0].n);
    const p = `project_id = '${projectId}'`;
    const overAssigned = await count(
      // an item's capacity: the overlap plus the annotators the quality
      // policy granted it for low agreement
      `SELECT count(*) AS n FROM (SELECT a.item_id FROM annotations a
         JOIN items i ON i.id = a.item_id WHERE a.${p}
         GROUP BY a.item_id, i.extra_slots
         HAVING count(*) > ${OVERLAP} + i.extra_slots) x`,
    );
    const repeats = await count(
      `SELECT count(*) AS n FROM (SELECT item_id, annotator FROM annotations
         WHERE ${p} GROUP BY item_id, annotator HAVING count(*) > 1) x`,
    );
    const stored = await count(
      `SELECT count(*) AS n FROM annotations WHERE ${p}`,
    );
    const counted = await count(
      `SELECT coalesce(sum(answer_count), 0) AS n FROM items WHERE ${p}`,
    );
    emit({
      ...base,
      figure: 'over_assigned_items',
      value: overAssigned,
      target: '0',
      pass: overAssigned === 0,
    });
    emit({
      ...base,
      figure: 'same_annotator_repeats',
      value: repeats,
      target: '0',
      pass: repeats === 0,
    });
    const storedOnce = stored === created && counted === stored;
    emit({
      ...base,
      figure: 'annotations_stored',
      value: stored,
      target: `= ${created} submits answered 201 (and items.answer_count)`,
      pass: storedOnce,
    });
    return pass && overAssigned === 0 && repeats === 0 && storedOnce;
  } finally {
    await db.dispose();
  }
}
