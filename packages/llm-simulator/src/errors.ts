import { NextFunction, Request, Response } from 'express';

/**
 * Errors in OpenAI's shape (`{ error: { message, type, param, code } }`),
 * so the SDK maps them to its error classes as it would a real provider's.
 */
export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  body() {
    return {
      error: {
        message: this.message,
        type: this.type,
        param: this.param,
        code: this.code,
      },
    };
  }
}

/** 400 naming the request field and what was expected. */
export function invalidRequest(
  param: string,
  message: string,
  code: string | null = null,
): OpenAiError {
  return new OpenAiError(400, message, 'invalid_request_error', param, code);
}

export function notFound(what: string, id: string): OpenAiError {
  return new OpenAiError(
    404,
    `No ${what} with id '${id}' found.`,
    'invalid_request_error',
    'id',
    'not_found',
  );
}

/** Express 4 does not pass a rejected promise on; this does. */
export function handle(
  fn: (req: Request, res: Response) => unknown,
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    Promise.resolve()
      .then(() => fn(req, res))
      .catch(next);
  };
}
