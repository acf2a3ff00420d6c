import { render, screen } from '@testing-library/react';
import App from './App';

// App reads its config once per module load, hence a file of its own
function configure(users: Array<{ name: string; tier: string }>) {
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

jest.setTimeout(30_000);

describe('App in production', () => {
  it('offers no demo users when none are configured (production)', async () => {
    configure([]);
    render(App.createRoot());
    expect(
      await screen.findByText(
        /Demo sign-in is not configured/,
        {},
        { timeout: 15_000 },
      ),
    ).toBeInTheDocument();
    expect(screen.queryAllByRole('button', { name: /\./ })).toEqual([]);
  });
});
