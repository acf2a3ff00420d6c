export interface Config {
  annotation?: {
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
