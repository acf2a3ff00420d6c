/*
 * What the pages need to know about a failed call: its HTTP status and the
 * server's own message (ResponseError's message is only "Request failed
 * with 409 Conflict"; the reason is in its cause).
 */

/** The HTTP status of a failed API call; undefined for a network failure. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The server's reason when it sent one, else the error's own message. */
export function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
  if (typeof cause?.message === 'string' && cause.message) {
    return cause.message;
  }
  // duck-typed: errors from another realm (iframes, test DOMs) fail instanceof
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}

/**
 * The lease behind a submit, skip or heartbeat is gone: it expired (409) or
 * an expiry sweep already deleted it (404 "lease … not found").
 */
export function isLeaseLost(error: unknown): boolean {
  const status = statusOf(error);
  const reason = reasonOf(error);
  if (status === 409) {
    return /lease .*(expired|already used)/.test(reason);
  }
  return status === 404 && /^lease /.test(reason);
}
