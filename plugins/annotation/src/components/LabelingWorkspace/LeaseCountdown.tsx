import Typography from '@material-ui/core/Typography';
import { useEffect, useState } from 'react';

/** `m:ss` of a duration, never negative. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

/**
 * Time left on the current lease (or QA claim); renewed by heartbeats while
 * visible.
 */
export function LeaseCountdown(props: {
  expiresAt: string;
  /** What it is: "Lease" or "Claim". */
  noun?: string;
  /** What to say once it has expired. */
  expired: string;
}) {
  const noun = props.noun ?? 'Lease';
  const deadline = Date.parse(props.expiresAt);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const left = deadline - now;
  return (
    <Typography
      variant="body2"
      color={left < 60_000 ? 'error' : 'textSecondary'}
      role="timer"
      aria-label={`${noun} expires in`}
    >
      {left > 0 ? `${noun} expires in ${formatRemaining(left)}` : props.expired}
    </Typography>
  );
}
