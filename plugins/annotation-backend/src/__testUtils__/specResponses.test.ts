import { specProblems } from './specResponses';

describe('specProblems', () => {
  const heartbeat = {
    method: 'POST',
    url: '/api/annotation/projects/p1/leases/t1/heartbeat',
    status: 200,
    contentType: 'application/json; charset=utf-8',
  };
  const expiresAt = '2030-01-01T00:00:00.000Z';

  it('accepts a body that matches', () => {
    expect(
      specProblems({ ...heartbeat, text: JSON.stringify({ expiresAt }) }),
    ).toEqual([]);
  });

  it('names missing, unknown and mistyped fields', () => {
    expect(
      specProblems({ ...heartbeat, text: JSON.stringify({ expires: 1 }) }),
    ).toEqual([
      "POST /projects/{projectId}/leases/{token}/heartbeat 200: body must have required property 'expiresAt'",
      'POST /projects/{projectId}/leases/{token}/heartbeat 200: body must NOT have additional properties (expires)',
    ]);
    expect(
      specProblems({
        ...heartbeat,
        text: JSON.stringify({ expiresAt: 'soon' }),
      }),
    ).toEqual([
      'POST /projects/{projectId}/leases/{token}/heartbeat 200: body/expiresAt must match format "date-time"',
    ]);
  });

  it('follows references into the components', () => {
    const problems = specProblems({
      method: 'GET',
      url: '/api/annotation/projects?x=1',
      status: 200,
      contentType: 'application/json',
      text: JSON.stringify({ items: [{ id: 'p1' }] }),
    });
    expect(problems).toContain(
      "GET /projects 200: body/items/0 must have required property 'name'",
    );
  });

  it('holds errors to the Backstage error shape', () => {
    const error = {
      method: 'GET',
      url: '/api/annotation/projects/p1',
      status: 404,
      contentType: 'application/json',
    };
    expect(
      specProblems({
        ...error,
        text: JSON.stringify({
          error: { name: 'NotFoundError', message: 'project p1 not found' },
          request: { method: 'GET', url: '/projects/p1' },
          response: { statusCode: 404 },
        }),
      }),
    ).toEqual([]);
    expect(
      specProblems({
        ...error,
        text: JSON.stringify({ error: { name: 'NotFoundError' } }),
      }),
    ).toEqual(
      expect.arrayContaining([
        "GET /projects/{projectId} 404: body must have required property 'response'",
        "GET /projects/{projectId} 404: body/error must have required property 'message'",
      ]),
    );
  });

  it('refuses bodies where there are none, other content types and unknown routes', () => {
    const release = {
      method: 'DELETE',
      url: '/api/annotation/projects/p1/leases/t1',
      status: 204,
    };
    expect(specProblems({ ...release, text: '' })).toEqual([]);
    expect(specProblems({ ...release, text: '{}' })).toEqual([
      'DELETE /projects/{projectId}/leases/{token} 204: a body where the spec has none',
    ]);
    expect(
      specProblems({ ...heartbeat, contentType: 'text/html', text: '<p>' }),
    ).toEqual([
      'POST /projects/{projectId}/leases/{token}/heartbeat 200: content type text/html, not application/json',
    ]);
    expect(
      specProblems({ ...release, url: '/api/annotation/projects', text: '' }),
    ).toEqual(['DELETE /api/annotation/projects is not in the spec']);
  });
});
