import { render, screen } from '@testing-library/react';
import App from './App';
import { configureTestApp as configure } from './testAppConfig';

describe('App', () => {
  beforeEach(() => localStorage.clear());

  it('opens on the demo sign-in page, users grouped by tier', async () => {
    configure([
      { name: 'amara.okafor', tier: 'Annotator' },
      { name: 'grace.liu', tier: 'Quality analyst' },
      { name: 'jonas.berg', tier: 'Project manager' },
    ]);
    render(App.createRoot());
    expect(
      await screen.findByText(
        'Sign in as a demo user',
        {},
        { timeout: 15_000 },
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: 'Annotator' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'grace.liu' }),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('button', { name: /\./ })).toHaveLength(3);
  });
});
