/**
 * The agent's HTTP(S) client: JSON over keep-alive connections, an optional CA file for servers
 * with a private CA, and cancellation. Built on node:http(s) so a custom CA needs no extra package.
 */
import http from 'node:http';
import https from 'node:https';
import { TandemError } from '../core/errors.ts';

export interface HttpClientOptions {
  server: string;
  /** PEM of the CA that signed the server's certificate. */
  ca?: string;
  credential?: string;
}

export class HttpClient {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly o: HttpClientOptions) {
    this.base = new URL(o.server);
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, ...(o.ca ? { ca: o.ca } : {}) })
        : new http.Agent({ keepAlive: true });
  }

  withCredential(credential: string): HttpClient {
    return new HttpClient({ ...this.o, credential });
  }

  /** POST JSON; resolves the JSON answer; a non-2xx answer throws a TandemError with its code. */
  post<T>(path: string, body: unknown, signal?: AbortSignal, timeoutMs = 60_000): Promise<T> {
    const url = new URL(path, this.base);
    const payload = Buffer.from(JSON.stringify(body));
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': payload.length,
            ...(this.o.credential ? { authorization: `Bearer ${this.o.credential}` } : {}),
          },
          timeout: timeoutMs,
          ...(signal ? { signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : {};
            } catch {
              return reject(
                new TandemError('unavailable', `${path}: answer ${status} is not JSON`, { retryable: true }),
              );
            }
            if (status >= 200 && status < 300) return resolve(json as T);
            const err = (json as { error?: { code?: string; message?: string } }).error;
            const message = `${path}: ${status} ${err?.message ?? text.slice(0, 200)}`;
            if (status === 401 || status === 403) return reject(new TandemError('unauthorized', message));
            if (status === 409) return reject(new TandemError('conflict', message));
            if (status >= 400 && status < 500) return reject(new TandemError('invalid_input', message));
            reject(new TandemError('unavailable', message, { retryable: true }));
          });
          res.on('error', (e) =>
            reject(new TandemError('unavailable', `${path}: ${e.message}`, { retryable: true })),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
      req.on('error', (e) =>
        reject(new TandemError('unavailable', `${path}: ${e.message}`, { cause: e, retryable: true })),
      );
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
