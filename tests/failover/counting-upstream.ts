/**
 * A stand-in OpenAI-compatible upstream that answers the counting sequence (sequence.ts), like the
 * counting engine, at the same pace: one token per SSE chunk. Each upstream the edge is given is a
 * path prefix here (`<origin>/<name>/v1`). A test can take one down (503 to everything) or cut its
 * streams mid-way (the socket is reset), so the edge must carry the rest on a node.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectedAnswer, promptTokens, tokenAt, type ChatMessage } from './sequence.ts';
import { readBody, sseChunk } from '../upstream-stand-in.ts';

export interface CountingUpstream {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** The base URL to give the edge for the upstream `name`. */
  baseUrl(name: string): string;
  /** Answer 503 to every request for `name` (true), or serve again (false). */
  setDown(name: string, down: boolean): void;
  /** Streams of `name` in flight now. */
  active(name: string): number;
  /** Resets the connection of every stream of `name` in flight; returns how many. */
  cut(name: string): number;
  /** Requests seen per upstream name. */
  readonly served: Map<string, number>;
  close(): Promise<void>;
}

interface Body {
  readonly messages: ChatMessage[];
  readonly stream?: boolean;
  readonly max_tokens?: number;
}

const ID = 'chatcmpl-counting-upstream';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startCountingUpstream(tokenDelayMs: number): Promise<CountingUpstream> {
  const down = new Set<string>();
  const streams = new Map<string, Set<ServerResponse>>();
  const served = new Map<string, number>();

  async function answer(name: string, model: string, body: Body, res: ServerResponse) {
    const maxTokens = body.max_tokens ?? 16;
    const want = expectedAnswer(body.messages, maxTokens);
    const usage = {
      prompt_tokens: promptTokens(body.messages),
      completion_tokens: want.tokens,
      total_tokens: promptTokens(body.messages) + want.tokens,
    };
    if (!body.stream) {
      await sleep(tokenDelayMs * want.tokens);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: ID,
          object: 'chat.completion',
          created: 1,
          model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: want.text },
              finish_reason: want.finishReason,
            },
          ],
          usage,
        }),
      );
      return;
    }
    const mine = streams.get(name) ?? new Set<ServerResponse>();
    streams.set(name, mine);
    mine.add(res);
    res.on('close', () => mine.delete(res));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(sseChunk(ID, model, { role: 'assistant', content: '' }, null));
    for (let i = 0; i < want.tokens; i++) {
      await sleep(tokenDelayMs);
      if (res.destroyed) return; // cut, or the edge went away
      res.write(sseChunk(ID, model, { content: tokenAt(want.tag, i) }, null));
    }
    res.write(sseChunk(ID, model, {}, want.finishReason));
    res.write(sseChunk(ID, model, {}, null, usage));
    res.end('data: [DONE]\n\n');
  }

  const server = createServer((req, res) => {
    void (async () => {
      const match = /^\/([^/]+)\/v1\/chat\/completions$/.exec(req.url ?? '');
      const name = match?.[1];
      const text = await readBody(req);
      if (req.method !== 'POST' || name === undefined) {
        res.writeHead(404).end();
        return;
      }
      served.set(name, (served.get(name) ?? 0) + 1);
      if (down.has(name)) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'stand-in is down' } }));
        return;
      }
      const body = JSON.parse(text) as Body & { model: string };
      await answer(name, body.model, body, res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(400).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    served,
    baseUrl: (name) => `${origin}/${name}/v1`,
    setDown: (name, isDown) => void (isDown ? down.add(name) : down.delete(name)),
    active: (name) => streams.get(name)?.size ?? 0,
    cut(name) {
      const mine = streams.get(name);
      if (!mine) return 0;
      const n = mine.size;
      for (const res of [...mine]) {
        mine.delete(res);
        try {
          res.socket?.resetAndDestroy();
        } catch {
          res.destroy();
        }
      }
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
