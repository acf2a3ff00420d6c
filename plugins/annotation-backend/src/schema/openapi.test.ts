import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { spec } from './openapi';

/*
 * The router's handler types come from the spec; the helpers that build it
 * must keep its literal types, or every body would type as anything. tsc
 * checks the expectations below: each marked line must not compile.
 */
describe('handler types inferred from the spec', () => {
  it('refuses response bodies and parameters the spec does not have', () => {
    const router = createValidatedOpenApiRouter(spec);
    router.get('/projects/:projectId/progress', (req, res) => {
      // @ts-expect-error: the path has no parameter "itemId"
      expect(req.params.itemId).toBeUndefined();
      const progress = {
        items: { total: 0, open: 0, full: 0, complete: 0 },
        annotations: 'x',
        skips: 0,
        annotators: [],
      };
      // @ts-expect-error: "annotations" must be an integer
      res.json(progress);
    });
    router.post('/projects/:projectId/leases/:token/heartbeat', (_req, res) => {
      // @ts-expect-error: a field the spec does not name
      res.json({ expiresAt: 'soon', extra: true });
    });
    router.put('/projects/:projectId/status', req => {
      // @ts-expect-error: the status is one of the lifecycle's
      const status: 'live' = req.body.status;
      expect(status).toBeDefined();
    });
    expect(router).toBeDefined();
  });
});
