import { HumanDuration } from '@backstage/types';

export interface Config {
  annotation?: {
    /** Limits of one NDJSON import request. */
    import?: {
      /** Longest accepted line, in bytes (default 1 MiB). */
      maxLineBytes?: number;
      /** Largest accepted body, in bytes (default 2 GiB). */
      maxBodyBytes?: number;
      /** Lines stored per transaction (default 5000). */
      batchSize?: number;
      /**
       * A `running` import with no batch stored for this long is marked
       * `interrupted` (its backend died): a duration such as `2m` or
       * `{ seconds: 30 }` (default 2 minutes).
       */
      staleAfter?: string | HumanDuration;
    };
    /** The quality analysts' queue. */
    qa?: {
      /**
       * How long an analyst holds an escalation without a heartbeat: a
       * duration such as `10m` or `{ minutes: 15 }` (default 10 minutes).
       */
      claimTtl?: string | HumanDuration;
    };
    seed?: {
      /**
       * Projects created at startup when none of that namespace/name exists.
       * Meant for demos and first installs.
       */
      projects?: Array<{
        name: string;
        namespace?: string;
        title: string;
        description?: string;
        owner: string;
        lifecycle: string;
        model: string;
        dataset: string;
        workforce: {
          annotators: string[];
          qualityAnalysts: string[];
          managers: string[];
        };
        taskType: string;
        questions?: Array<{ id: string; type: string; title?: string }>;
        status: string;
      }>;
    };
  };
}
