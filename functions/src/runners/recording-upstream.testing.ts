// A recording stand-in for Foundry: a real HTTP server in the test process that keeps every
// request it gets and answers what the test tells it to. It is not Foundry and runs no model;
// tests use it to see exactly what reaches the upstream (which the real Foundry cannot show here).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createRunners } from './create-runners.ts';
import type { JobRunner } from './runner.ts';

export interface RecordedRequest {
  readonly method: string;
  /** The path below the origin, e.g. /openai/v1/chat/completions */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface StandInAnswer {
  readonly status: number;
  readonly contentType?: string;
  readonly body: string;
}

export interface RecordingUpstream {
  /** Shaped like Foundry's: http://127.0.0.1:PORT/openai/v1/ */
  readonly baseURL: string;
  readonly seen: RecordedRequest[];
  /** What the next requests get; change it between tests. */
  answer: (req: RecordedRequest) => StandInAnswer;
  close(): Promise<void>;
}

/** The API key runners send the stand-in (it checks none). */
export const STAND_IN_KEY = 'stand-in-key-0123456789';

/** A JSON answer. */
export function json(status: number, value: unknown): StandInAnswer {
  return { status, contentType: 'application/json', body: JSON.stringify(value) };
}

/** An OpenAI-shaped error answer. */
export function apiError(
  status: number,
  message: string,
  code: string | null = null,
): StandInAnswer {
  return json(status, { error: { message, type: 'invalid_request_error', param: null, code } });
}

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const seen: RecordedRequest[] = [];
  const upstream: RecordingUpstream = {
    baseURL: '',
    seen,
    answer: () => apiError(500, 'the test set no answer'),
    close: () => Promise.resolve(),
  };
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(parts),
      };
      seen.push(recorded);
      const answer = upstream.answer(recorded);
      res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(upstream, {
    baseURL: `http://127.0.0.1:${port}/openai/v1/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  });
}

/** A multipart request's fields and files, parsed by the platform's own FormData reader. */
export function formDataOf(req: RecordedRequest): Promise<FormData> {
  const contentType = req.headers['content-type'] ?? '';
  return new Response(req.body, { headers: { 'content-type': contentType } }).formData();
}

export interface StandInFoundry {
  readonly upstream: RecordingUpstream;
  /** Runners whose Foundry is the stand-in, with an API key and `deployments`. */
  readonly runner: JobRunner;
}

/**
 * A recording upstream and runners on it for the file's tests, started before them and closed
 * after; what it saw is forgotten before each test.
 */
export function useStandInFoundry(deployments: Readonly<Record<string, string>>): StandInFoundry {
  let started: StandInFoundry | undefined;
  beforeAll(async () => {
    const upstream = await startRecordingUpstream();
    const runner = await createRunners({
      foundry: {
        baseURL: upstream.baseURL,
        apiKey: STAND_IN_KEY,
        deployments: new Map(Object.entries(deployments)),
      },
      ocr: { ep: 'cpu' },
    });
    started = { upstream, runner };
  });
  afterAll(async () => {
    await started?.runner.close();
    await started?.upstream.close();
  });
  beforeEach(() => {
    if (started) started.upstream.seen.length = 0;
  });
  const get = (): StandInFoundry => {
    if (!started) throw new Error('the stand-in is not started (use inside tests)');
    return started;
  };
  return {
    get upstream() {
      return get().upstream;
    },
    get runner() {
      return get().runner;
    },
  };
}
