import { render, screen } from '@testing-library/react';
import App from './App';
import { configureTestApp as configure } from './testAppConfig';

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
