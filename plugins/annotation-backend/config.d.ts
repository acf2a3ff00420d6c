import { HumanDuration } from '@backstage/types';

export interface Config {
  annotation?: {
    /** Limits of one NDJSON import request. */
    import?: {
      /** Longest accepted line, in bytes (default 1 MiB). */
      maxLineBytes?: number;
      /** Largest accepted body, in bytes (default 2 GiB). */
      maxBodyBytes?: number;
      /** Lines stored per transaction (default 2000). */
      batchSize?: number;
      /**
       * A `running` import with no batch stored for this long is marked
       * `interrupted` (its backend died): a duration such as `2m` or
       * `{ seconds: 30 }` (default 2 minutes).
       */
      staleAfter?: string | HumanDuration;
    };
    /** The LLM annotator's providers and job runner. */
    llm?: {
      /** Requests in flight per backend replica, over all jobs (default 16). */
      concurrency?: number;
      /** Job items claimed per database round trip (default 64). */
      claimBatch?: number;
      /**
       * How long a replica's claim on job items lives unless extended
       * (default 120); a killed replica's items return after it.
       */
      leaseSeconds?: number;
      /** How often jobs and their statuses are read (default 1). */
      pollSeconds?: number;
      /** At shutdown, waited for requests in flight (default 10). */
      shutdownGraceSeconds?: number;
      /** Attempts per request: 429, 5xx, timeouts are retried (default 5). */
      maxAttempts?: number;
      /** First backoff ceiling in ms, doubled per attempt (default 500). */
      retryBaseMs?: number;
      /** Longest backoff in ms (default 30000). */
      retryMaxMs?: number;
      /** Batch mode (the provider's Batch API). */
      batch?: {
        /** How often provider batches are looked at (default 30). */
        pollSeconds?: number;
        /** Requests per provider batch (default 50000). */
        maxLines?: number;
      };
      providers?: Array<{
        /** What LLM annotator configs name, e.g. `openai`. */
        id: string;
        title?: string;
        /** An OpenAI-compatible API, e.g. `https://api.openai.com/v1`. */
        baseUrl: string;
        /**
         * Usually from the environment: `apiKey: ${OPENAI_API_KEY}`.
         * @visibility secret
         */
        apiKey?: string;
        defaultModel: string;
        /** Per model: price per million input and output tokens. */
        models?: {
          [model: string]: {
            inputPerMillion?: number;
            outputPerMillion?: number;
          };
        };
        requestsPerMinute?: number;
        tokensPerMinute?: number;
        /** Per request (default 60000). */
        timeoutMs?: number;
        /** False when the server lacks `response_format: json_schema`. */
        supportsJsonSchema?: boolean;
        /** A simulator: its answers are shown as simulated. */
        simulated?: boolean;
      }>;
      /**
       * The demo backend's LLM simulator, started as provider `simulator`
       * when no provider is configured. Development only.
       */
      simulator?: {
        enabled?: boolean;
        /** Seed of its answers (default "chorus"). */
        seed?: string;
      };
    };
    /** The scheduled project-level quality fit. */
    quality?: {
      /**
       * How often active, paused and completed projects are refitted
       * (unchanged ones are skipped): a duration such as `5m` or
       * `{ minutes: 5 }` (default 5 minutes).
       */
      refitEvery?: string | HumanDuration;
      /** The longest one run may take (default 30 minutes). */
      refitTimeout?: string | HumanDuration;
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
