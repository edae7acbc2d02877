import { createServer } from 'node:http';
import { LexicalEmbedder } from '@proxima/wasm';
import { answerEndlessly, listenOnLoopback, readBody } from './upstream-stand-in.ts';

/**
 * Stand-in OpenAI-compatible embeddings server: a real HTTP server in the test process, standing
 * in for a provider that cannot be called from here. `/ok/v1/embeddings` answers with the lexical
 * embedder's vectors (at `dimensions` when asked, else 256) and refuses what OpenAI refuses (an
 * empty string, more than MAX_INPUTS inputs); `/shuffled/…` answers the same data in reverse order
 * with its `index`; `/broken/…` is a 500 whose body must never reach a client; `/slow/…` never
 * answers; `/huge/…` answers 200 with a body that never ends; `/short/…` leaves one vector out.
 */
export const EMBED_STAND_IN_SECRET = 'embeddings stand-in failure: api key sk-live-hunter2';
/** Inputs per request the stand-in accepts, like a server with a small batch limit. */
export const STAND_IN_MAX_INPUTS = 8;

export interface SeenEmbeddingRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: {
    readonly model: string;
    readonly input: string[];
    readonly encoding_format?: string;
    readonly dimensions?: number;
  };
}

export interface EmbeddingsStandIn {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly seen: SeenEmbeddingRequest[];
  close(): Promise<void>;
}

export async function startEmbeddingsStandIn(): Promise<EmbeddingsStandIn> {
  const seen: SeenEmbeddingRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const path = req.url ?? '';
      const body = JSON.parse(await readBody(req)) as SeenEmbeddingRequest['body'];
      seen.push({ path, authorization: req.headers.authorization, body });
      const refuse = (message: string) => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
      };
      if (req.method !== 'POST' || !path.endsWith('/v1/embeddings')) {
        res.writeHead(404).end();
      } else if (path.startsWith('/slow/')) {
        return; // never answers: the embedder's timeout must give up on it
      } else if (path.startsWith('/huge/')) {
        answerEndlessly(res, '{"data":[');
      } else if (path.startsWith('/broken/')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: EMBED_STAND_IN_SECRET } }));
      } else if (!Array.isArray(body.input) || body.input.some((t) => t === '')) {
        refuse("'$.input' is invalid: empty strings are not allowed");
      } else if (body.input.length > STAND_IN_MAX_INPUTS) {
        refuse(`at most ${STAND_IN_MAX_INPUTS} inputs`);
      } else {
        const lexical = new LexicalEmbedder(
          body.dimensions === undefined ? {} : { dim: body.dimensions },
        );
        let data = body.input.map((text, index) => ({
          object: 'embedding',
          index,
          embedding: Array.from(lexical.embed(text)),
        }));
        if (path.startsWith('/shuffled/')) data = data.reverse();
        if (path.startsWith('/short/')) data = data.slice(1);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            data,
            model: body.model,
            usage: { prompt_tokens: 1, total_tokens: 1 },
          }),
        );
      }
    })().catch(() => res.writeHead(400).end());
  });
  return { ...(await listenOnLoopback(server)), seen };
}
