// `proxima node --listen`: the node's own engines behind an OpenAI- and Ollama-compatible HTTP
// API on this machine, without an edge (docs/design/0031-node-local-api.md).
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { ProximaError, quote } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { silentLogger, type Logger } from '../agent/log.ts';
import type { Engine } from '../engine/engine.ts';
import { requireKey } from './auth.ts';
import type { LocalApiContext } from './context.ts';
import { ollamaErrorResponse, openAiErrorResponse, type LocalEnv } from './http.ts';
import { assertListenAllowed } from './listen-address.ts';
import { ollamaRoutes } from './ollama-routes.ts';
import { openAiRoutes } from './openai-routes.ts';

export { assertListenAllowed, isLoopbackHost, parseListenAddress } from './listen-address.ts';
export type { ListenAddress } from './listen-address.ts';

export interface LocalApiOptions {
  /** Possibly a composite of several engines. */
  readonly engine: Engine;
  /** e.g. '127.0.0.1'; another address needs `apiKey` (assertListenAllowed). */
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** When set, every route but /healthz and /api/version needs `Authorization: Bearer <key>`. */
  readonly apiKey?: string;
  readonly log?: Logger;
}

export interface LocalApi {
  /** The server's base URL, e.g. `http://127.0.0.1:11435` (OpenAI's API is under `/v1`). */
  readonly url: string;
  close(): Promise<void>;
}

/** The local API's routes (no server): exported for the server below. */
export function localApiApp(ctx: LocalApiContext, apiKey?: string): Hono<LocalEnv> {
  const app = new Hono<LocalEnv>();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.use('*', requireKey(apiKey));
  app.route('/', openAiRoutes(ctx));
  app.route('/', ollamaRoutes(ctx));
  app.notFound((c) =>
    openAiErrorResponse(
      new ProximaError('not_found', `No route for ${quote(c.req.method)} ${quote(c.req.path)}.`),
    ),
  );
  app.onError((err, c) => {
    if (!(err instanceof ProximaError))
      ctx.log('error', 'local_api.failed', {
        path: c.req.path,
        error: (err instanceof Error ? err.message : String(err)).slice(0, 512),
      });
    return c.req.path.startsWith('/api/') ? ollamaErrorResponse(err) : openAiErrorResponse(err);
  });
  return app;
}

export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const { engine, host, port, apiKey } = options;
  const log = options.log ?? silentLogger;
  assertListenAllowed(host, apiKey);
  const app = localApiApp({ engine, log, startedAtMs: Date.now() }, apiKey);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  log('info', 'local_api.listening', { url, auth: apiKey !== undefined });
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Streams under way end now; their generations stop with their connections.
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
