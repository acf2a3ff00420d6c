import { InputError } from '@backstage/errors';
import { NextFunction, Request, Response } from 'express';

type Schema = {
  type?: string;
  additionalProperties?: boolean | object;
  properties?: Record<string, unknown>;
};
type Spec = {
  paths: Record<
    string,
    Record<
      string,
      { requestBody?: { content?: Record<string, { schema?: Schema }> } }
    >
  >;
};

/**
 * Names unknown top-level body fields before the OpenAPI validator runs: its
 * own message ("request/body must NOT have additional properties") does not
 * say which field is unknown.
 */
export function rejectUnknownBodyFields(openApi: object) {
  const spec = openApi as Spec;
  const routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).flatMap(([method, operation]) => {
      const schema =
        operation.requestBody?.content?.['application/json']?.schema;
      if (!schema?.properties || schema.additionalProperties !== false) {
        return [];
      }
      const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      return [
        {
          method: method.toUpperCase(),
          pattern,
          known: Object.keys(schema.properties),
        },
      ];
    }),
  );
  return (req: Request, _res: Response, next: NextFunction) => {
    const body = req.body;
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const route = routes.find(
        r => r.method === req.method && r.pattern.test(req.path),
      );
      const unknown = route
        ? Object.keys(body).filter(k => !route.known.includes(k))
        : [];
      if (route && unknown.length) {
        next(
          new InputError(
            `${unknown.join(
              ', ',
            )}: not a known field (expected ${route.known.join(', ')})`,
          ),
        );
        return;
      }
    }
    next();
  };
}
