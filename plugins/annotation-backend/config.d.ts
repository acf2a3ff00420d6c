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
    /** The LLM annotator's providers. */
    llm?: {
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
