/**
 * The API client every command but `server` and `runbook validate` uses: base URL from `--server`
 * or `TANDEM_SERVER`, token from `--token` or `TANDEM_TOKEN`, errors turned into CliErrors.
 */
import type { Command } from 'commander';
import { CliError, ExitCode, exitCodeForStatus, usageError, type ApiErrorDetail } from './errors.ts';
import { readSse, type SseEvent } from './sse.ts';
import { savedToken } from './credentials.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:7300';

/** The options every command accepts (declared on the program). */
export interface GlobalOptions {
  server?: string;
  token?: string;
  json?: boolean;
}

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with its own content type (runbooks go as `application/yaml`). */
  text?: { data: string | Uint8Array; contentType: string };
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;

  constructor(server: string, token: string | undefined) {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw usageError(`--server: "${server}" is not a URL (e.g. ${DEFAULT_SERVER})`);
    }
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.token = token === '' ? undefined : token;
  }

  get(path: string): Promise<unknown> {
    return this.request('GET', path).then((r) => r.body);
  }

  post(path: string, body: unknown = {}): Promise<unknown> {
    return this.request('POST', path, { body }).then((r) => r.body);
  }

  /** Sends one request; answers the status and the parsed JSON body, or throws a CliError. */
  async request(
    method: string,
    path: string,
    o: RequestOptions = {},
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | Uint8Array | undefined;
    if (o.text !== undefined) {
      headers['content-type'] = o.text.contentType;
      body = o.text.data;
    } else if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    const res = await this.send(path, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    const parsed = parseJson(text);
    if (!res.ok) throw apiError(res.status, parsed ?? text);
    return { status: res.status, body: parsed };
  }

  /** The body of a GET as a stream of bytes (for exports), or a CliError. */
  async raw(path: string): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.send(path, { headers: {} });
    if (!res.ok) throw apiError(res.status, parseJson(await res.text()));
    if (!res.body) return (async function* () {})();
    return res.body;
  }

  /** Follows an SSE endpoint; ends when the server closes the stream. */
  async *stream(path: string, signal?: AbortSignal): AsyncGenerator<SseEvent> {
    const res = await this.send(path, {
      headers: { accept: 'text/event-stream' },
      ...(signal ? { signal } : {}),
    });
    if (!res.ok) throw apiError(res.status, parseJson(await res.text()));
    if (!res.body) return;
    yield* readSse(res.body);
  }

  private async send(
    path: string,
    init: RequestInit & { headers: Record<string, string> },
  ): Promise<Response> {
    if (this.token !== undefined) init.headers.authorization = `Bearer ${this.token}`;
    try {
      return await fetch(`${this.baseUrl}${path}`, init);
    } catch (err: unknown) {
      if (err instanceof Error && err.name === 'AbortError') throw err;
      throw unreachable(this.baseUrl, err);
    }
  }
}

/** The program's options (`--server`, `--token`, `--json`) as seen from any command. */
export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/** The client for a command's global options and the environment. */
export function clientFrom(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): ApiClient {
  const server = opts.server ?? env.TANDEM_SERVER ?? DEFAULT_SERVER;
  // Without --token or TANDEM_TOKEN, the token `tandem login` saved for this server.
  return new ApiClient(server, opts.token ?? env.TANDEM_TOKEN ?? savedToken(server, env));
}

export function unreachable(baseUrl: string, err: unknown): CliError {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const reason =
    cause instanceof Error ? ('code' in cause ? String(cause.code) : cause.message) : String(cause);
  return new CliError(
    `cannot reach the Tandem server at ${baseUrl} (${reason}); start it with "tandem server" or set --server / TANDEM_SERVER`,
    ExitCode.unreachable,
    { cause: err },
  );
}

/** A CliError from an error answer `{ error: { code, message, details } }` (or anything else). */
export function apiError(status: number, body: unknown): CliError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const details = Array.isArray(error?.details) ? error.details.filter(isDetail) : [];
  let message =
    typeof error?.message === 'string' && error.message !== ''
      ? error.message
      : `the server answered HTTP ${status}${typeof body === 'string' && body !== '' ? `: ${body.slice(0, 200)}` : ''}`;
  if (details.length > 0) message = headline(message, details);
  if (status === 401 && code === 'unauthorized')
    message += ' (run "tandem login", pass --token or set TANDEM_TOKEN)';
  return new CliError(message, exitCodeForStatus(status), { ...(code ? { code } : {}), details });
}

/**
 * The message without the details it may already spell out (on further lines, or after the
 * first `path: message`), since the details are listed below it once.
 */
export function headline(message: string, details: ApiErrorDetail[]): string {
  let head = message.split('\n')[0]!;
  const first = details[0];
  const at = first ? head.indexOf(`${first.path}: ${first.message}`) : -1;
  if (first && at >= 0) head = head.slice(0, at);
  head = head.replace(/[\s:;,]+$/, '');
  return head === '' ? 'invalid request' : head;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isDetail(v: unknown): v is ApiErrorDetail {
  return isRecord(v) && typeof v.path === 'string' && typeof v.message === 'string';
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
