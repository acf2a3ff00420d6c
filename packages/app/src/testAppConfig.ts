/**
 * Sets the config the app reads at load (tests only). The app reads it once
 * per module load, so each configuration needs a test file of its own.
 */
export function configureTestApp(users: Array<{ name: string; tier: string }>) {
  process.env = {
    NODE_ENV: 'test',
    APP_CONFIG: [
      {
        data: {
          app: { title: 'Test', demoSignIn: { users } },
          backend: { baseUrl: 'http://localhost:7007' },
        },
        context: 'test',
      },
    ] as any,
  };
}
