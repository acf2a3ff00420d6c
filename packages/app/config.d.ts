export interface Config {
  app?: {
    demoSignIn?: {
      /**
       * Demo users offered on the sign-in page (catalogue User names).
       * Empty in production.
       * @visibility frontend
       */
      users?: Array<{
        /** @visibility frontend */
        name: string;
        /** @visibility frontend */
        tier: string;
      }>;
    };
  };
}
