import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  answerLegacyCompletion,
  answerWithReasoning,
  answerWithToolCalls,
} from './upstream-stand-in-tools.ts';

/**
 * Stand-in OpenAI-compatible upstream: a real HTTP server in the test process, standing in for a
 * cloud provider (which cannot be called from here). It answers `/ok/v1/chat/completions` with a
 * fixed text, streamed or whole, under its own id and model name (so tests can see Proxima
 * rewrite both), `/broken/v1/...` with a 500 whose body must never reach a client,
 * `/slow/v1/...` never answers at all, and `/huge/v1/...` answers 200 with a body that never ends.
 * `/tools/v1/...` and `/reason/v1/...` answer with tool calls, reasoning and log probabilities,
 * and any `.../v1/completions` as the legacy endpoint does (upstream-stand-in-tools.ts).
 */
export const STAND_IN_TEXT = ['Hello', ' from', ' the', ' upstream'];
export const STAND_IN_ID = 'chatcmpl-stand-in-own-id';
export const STAND_IN_SECRET_ERROR = 'stand-in internal failure: db password hunter2 leaked';

export interface SeenRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: {
    readonly model: string;
    readonly stream: boolean;
    readonly messages: unknown[];
    readonly max_tokens?: number;
    /** Whatever else the edge sent, as it sent it. */
    readonly [field: string]: unknown;
  };
}

export interface StandInUpstream {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/** A request's whole body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** One OpenAI chat-completion chunk as an SSE event; with `usage`, the final usage chunk. */
export function sseChunk(
  id: string,
  model: string,
  delta: object,
  finish: string | null,
  usage?: object,
): string {
  const body = {
    id,
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/** A runaway answer: 200, `opening`, then 1 MiB of spaces at a time until the client stops reading. */
export function answerEndlessly(res: ServerResponse, opening: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const mib = ' '.repeat(1024 * 1024);
  const more = () => {
    while (!res.destroyed && res.write(mib));
    if (!res.destroyed) res.once('drain', more);
  };
  res.write(opening);
  more();
}

/** Listens on a free loopback port: the origin, and a close that drops open connections. */
export async function listenOnLoopback(
  server: Server,
): Promise<{ readonly origin: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const USAGE = { prompt_tokens: 7, completion_tokens: STAND_IN_TEXT.length, total_tokens: 11 };

function answer(res: ServerResponse, body: SeenRequest['body']): void {
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: STAND_IN_ID,
        object: 'chat.completion',
        created: 1,
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: STAND_IN_TEXT.join('') },
            finish_reason: 'stop',
          },
        ],
        usage: USAGE,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(sseChunk(STAND_IN_ID, body.model, { role: 'assistant', content: '' }, null));
  for (const piece of STAND_IN_TEXT)
    res.write(sseChunk(STAND_IN_ID, body.model, { content: piece }, null));
  res.write(sseChunk(STAND_IN_ID, body.model, {}, 'stop'));
  res.write(sseChunk(STAND_IN_ID, body.model, {}, null, USAGE));
  res.end('data: [DONE]\n\n');
}

export async function startStandInUpstream(): Promise<StandInUpstream> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const path = req.url ?? '';
      const body = JSON.parse(await readBody(req)) as SeenRequest['body'];
      seen.push({ path, authorization: req.headers.authorization, body });
      if (req.method === 'POST' && path.endsWith('/v1/completions')) {
        answerLegacyCompletion(res, body);
      } else if (req.method !== 'POST' || !path.endsWith('/v1/chat/completions')) {
        res.writeHead(404).end();
      } else if (path.startsWith('/slow/')) {
        // Never answers: the edge's UPSTREAM_TIMEOUT_MS must give up on it.
        return;
      } else if (path.startsWith('/huge/')) {
        answerEndlessly(res, '{"choices":[{"message":{"content":"');
      } else if (path.startsWith('/tools/')) {
        answerWithToolCalls(res, body);
      } else if (path.startsWith('/reason/')) {
        answerWithReasoning(res, body);
      } else if (path.startsWith('/broken/')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: STAND_IN_SECRET_ERROR } }));
      } else {
        answer(res, body);
      }
    })().catch(() => res.writeHead(400).end());
  });
  return { ...(await listenOnLoopback(server)), seen };
}
