import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';

/** The admin token the CLI tests send and the stand-in edge accepts. */
export const TOKEN = 'test-admin-token-0123456789abcdef0123';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

interface Scripted {
  readonly status: number;
  readonly body: unknown;
  /** Sent as is, as text/html, instead of JSON (a proxy's error page). */
  readonly raw?: string;
}

export function openAiError(message: string, code: string, param: string | null = null): unknown {
  return { error: { message, type: 'invalid_request_error', param, code } };
}

/**
 * A STAND-IN for the edge's admin API, not the edge: it checks the bearer token, records each
 * request and answers what the test scripted for "METHOD /path", in the shapes the edge answers
 * (edge/src/routes/admin/). The *.edge.test.ts files run the CLI against the real edge.
 */
export class StandInEdge {
  readonly requests: Recorded[] = [];
  private readonly replies = new Map<string, Scripted>();
  private readonly token: string;
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));
  url = '';

  constructor(token: string) {
    this.token = token;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  reply(route: string, status: number, body: unknown, raw?: string): void {
    this.replies.set(route, raw === undefined ? { status, body } : { status, body, raw });
  }

  reset(): void {
    this.requests.length = 0;
    this.replies.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    });
    const reply: Scripted =
      req.headers.authorization !== `Bearer ${this.token}`
        ? { status: 401, body: openAiError('Missing or wrong admin token.', 'invalid_api_key') }
        : (this.replies.get(`${req.method ?? ''} ${url.pathname}`) ?? {
            status: 404,
            body: openAiError(`No route ${url.pathname}.`, 'not_found'),
          });
    if (reply.raw !== undefined) {
      res.writeHead(reply.status, { 'content-type': 'text/html' }).end(reply.raw);
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  }
}

/**
 * Registers hooks (in the enclosing describe, or the file) that decide the environment the CLI
 * reads, not the shell that runs vitest: before each test no PROXIMA_EDGE and `token` as
 * PROXIMA_ADMIN_TOKEN; after it every stubbed variable is restored.
 */
export function useAdminEnv(token: string = TOKEN): void {
  beforeEach(() => {
    vi.stubEnv('PROXIMA_EDGE', undefined);
    vi.stubEnv('PROXIMA_ADMIN_TOKEN', token);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
}

/**
 * A stand-in edge accepting `token` for the enclosing describe: started before its tests and
 * stopped after them; before each test it forgets the requests and replies of the last, and
 * PROXIMA_EDGE points at it (useAdminEnv restores the variable after the test).
 */
export function useStandInEdge(token: string = TOKEN): StandInEdge {
  const edge = new StandInEdge(token);
  beforeAll(() => edge.start());
  afterAll(() => edge.stop());
  beforeEach(() => {
    edge.reset();
    vi.stubEnv('PROXIMA_EDGE', edge.url);
  });
  return edge;
}
