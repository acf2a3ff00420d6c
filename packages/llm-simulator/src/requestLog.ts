/**
 * Every request the simulator served, so tests and benchmarks can check
 * what a client did: how often it retried, what it was billed for, and that
 * no item was paid for twice.
 */
import { FaultKind } from './options';

export interface RequestLogEntry {
  /** 1, 2, … in the order the responses ended. */
  id: number;
  /** When the request arrived (ms since the epoch). */
  time: number;
  durationMs: number;
  method: string;
  path: string;
  /** HTTP status sent; 499 when the client closed the connection first. */
  status: number;
  model?: string;
  /** The item key found in the prompt, else `prompt:<hash of the prompt>`. */
  itemKey?: string;
  /** Hash of the request body; identical requests (retries) share it. */
  requestHash?: string;
  /** 0 for the first time this request body was seen, 1 for the next, … */
  attempt?: number;
  fault?: FaultKind;
  promptTokens: number;
  completionTokens: number;
  /** A completion delivered with usage: what a provider charges for. */
  billed: boolean;
  /** Set for the lines of a batch. */
  batchId?: string;
  customId?: string;
}

export interface SimulatorStats {
  requests: number;
  /** Chat completions, online and batch lines. */
  completions: number;
  billed: number;
  byStatus: Record<string, number>;
  byFault: Record<string, number>;
  /** Billed tokens. */
  promptTokens: number;
  completionTokens: number;
}

export const COMPLETIONS_PATH = '/v1/chat/completions';

export class RequestLog {
  private list: RequestLogEntry[] = [];

  add(entry: Omit<RequestLogEntry, 'id'>): RequestLogEntry {
    const full = { id: this.list.length + 1, ...entry };
    this.list.push(full);
    return full;
  }

  get entries(): readonly RequestLogEntry[] {
    return this.list;
  }

  /** Chat completion requests and batch lines. */
  completions(): RequestLogEntry[] {
    return this.list.filter(e => e.path === COMPLETIONS_PATH);
  }

  /** Billed completions per item key. */
  billedByItem(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const e of this.list) {
      if (e.billed && e.itemKey !== undefined) {
        counts.set(e.itemKey, (counts.get(e.itemKey) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** Item keys billed more than once (empty when no item was paid for twice). */
  itemsBilledMoreThanOnce(): string[] {
    return [...this.billedByItem()]
      .filter(([, count]) => count > 1)
      .map(([key]) => key);
  }

  stats(): SimulatorStats {
    const stats: SimulatorStats = {
      requests: this.list.length,
      completions: 0,
      billed: 0,
      byStatus: {},
      byFault: {},
      promptTokens: 0,
      completionTokens: 0,
    };
    for (const e of this.list) {
      stats.byStatus[e.status] = (stats.byStatus[e.status] ?? 0) + 1;
      if (e.path === COMPLETIONS_PATH) stats.completions++;
      if (e.fault) stats.byFault[e.fault] = (stats.byFault[e.fault] ?? 0) + 1;
      if (e.billed) {
        stats.billed++;
        stats.promptTokens += e.promptTokens;
        stats.completionTokens += e.completionTokens;
      }
    }
    return stats;
  }

  clear(): void {
    this.list = [];
  }
}
