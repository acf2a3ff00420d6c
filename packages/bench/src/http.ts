import http from 'http';
import { Readable } from 'stream';

export interface Response {
  status: number;
  body: string;
  /** Wall time from sending to the last byte, in milliseconds. */
  ms: number;
}

/** A small HTTP client on keep-alive sockets (one agent per simulated user). */
export class HttpClient {
  private readonly agent: http.Agent;
  private readonly url: URL;

  constructor(baseUrl: string, private readonly token?: string) {
    this.url = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  }

  withToken(token: string): HttpClient {
    return new HttpClient(this.url.toString(), token);
  }

  request(
    method: string,
    path: string,
    options: {
      json?: unknown;
      body?: Readable;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.token) {
      headers.authorization = `Bearer ${this.token}`;
    }
    let payload: Buffer | undefined;
    if (options.json !== undefined) {
      payload = Buffer.from(JSON.stringify(options.json));
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers,
          agent: this.agent,
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              ms: performance.now() - started,
            }),
          );
        },
      );
      req.on('error', reject);
      if (options.body) {
        options.body.on('error', error => req.destroy(error));
        options.body.pipe(req);
      } else {
        req.end(payload);
      }
    });
  }

  /** A request that must answer `expected`; returns the parsed body. */
  async expect<T = any>(
    expected: number,
    method: string,
    path: string,
    options: Parameters<HttpClient['request']>[2] = {},
  ): Promise<T> {
    const res = await this.request(method, path, options);
    if (res.status !== expected) {
      throw new Error(
        `${method} ${path}: ${
          res.status
        } (expected ${expected}): ${res.body.slice(0, 500)}`,
      );
    }
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
