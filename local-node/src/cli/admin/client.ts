/** A small client for the edge's admin API (`/admin/*`, bearer ADMIN_TOKEN), over global fetch. */

/** The edge answered with an error status; `message` is its OpenAI-style `error.message`. */
export class EdgeHttpError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly param: string | null;

  constructor(status: number, message: string, code: string | null, param: string | null) {
    super(message);
    this.name = 'EdgeHttpError';
    this.status = status;
    this.code = code;
    this.param = param;
  }
}

/** No HTTP answer at all: refused, DNS, TLS, timeout. */
export class EdgeUnreachableError extends Error {
  readonly url: string;
  readonly reason: string;

  constructor(url: string, reason: string) {
    super(`could not reach ${url}: ${reason}`);
    this.name = 'EdgeUnreachableError';
    this.url = url;
    this.reason = reason;
  }
}

export interface AdminClientOptions {
  /** The edge's base URL; ws(s) is taken as http(s). */
  readonly edge: string;
  readonly adminToken: string;
  readonly timeoutMs?: number;
}

export interface AdminRequest {
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
}

export type AdminMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface AdminClient {
  request(method: AdminMethod, path: string, request?: AdminRequest): Promise<unknown>;
}

/** `path` is relative to the edge's base URL, which may itself carry a path prefix. */
export function adminUrl(edge: string, path: string, query: AdminRequest['query'] = {}): URL {
  const base = new URL(edge);
  if (base.protocol === 'ws:') base.protocol = 'http:';
  if (base.protocol === 'wss:') base.protocol = 'https:';
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  base.search = '';
  base.hash = '';
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) base.searchParams.set(name, value);
  }
  return base;
}

export function adminClient(options: AdminClientOptions): AdminClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async request(method, path, request = {}) {
      const url = adminUrl(options.edge, path, request.query);
      const headers: Record<string, string> = {
        authorization: `Bearer ${options.adminToken}`,
        accept: 'application/json',
      };
      let body: string | undefined;
      if (request.body !== undefined) {
        body = JSON.stringify(request.body);
        headers['content-type'] = 'application/json';
      }
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await response.text();
      } catch (err) {
        throw new EdgeUnreachableError(url.toString(), networkReason(err, timeoutMs));
      }
      const json = parseJson(text);
      if (!response.ok) throw httpError(response, json, text);
      if (json === undefined) {
        throw new EdgeHttpError(
          response.status,
          `expected JSON from ${url.toString()}, got ${describeText(text)}`,
          null,
          null,
        );
      }
      return json;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && name in value
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** The edge answers `{"error":{"message","code","param"}}`; anything else (a proxy's page) is described. */
function httpError(response: Response, json: unknown, text: string): EdgeHttpError {
  const error = field(json, 'error');
  const message = field(error, 'message');
  const code = field(error, 'code');
  const param = field(error, 'param');
  return new EdgeHttpError(
    response.status,
    typeof message === 'string'
      ? message
      : `${response.statusText || 'error'} (not an OpenAI error body: ${describeText(text)})`,
    typeof code === 'string' ? code : null,
    typeof param === 'string' ? param : null,
  );
}

function describeText(text: string): string {
  if (text.trim() === '') return 'an empty body';
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return `'${oneLine.length > 120 ? `${oneLine.slice(0, 120)}…` : oneLine}'`;
}

/** fetch() reports "fetch failed" and hides the reason (ECONNREFUSED, ENOTFOUND) in `cause`. */
function networkReason(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && err.name === 'TimeoutError')
    return `no answer within ${timeoutMs / 1000} s`;
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) {
    const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : '';
    return cause.message || code || cause.name;
  }
  return err instanceof Error ? err.message : String(err);
}
