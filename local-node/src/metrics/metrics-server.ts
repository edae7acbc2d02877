// `proxima node --metrics HOST:PORT`: GET /metrics for Prometheus, nothing else. No auth: the
// help text says so, and loopback is the suggested address.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { silentLogger, type Logger } from '../agent/log.ts';

export const METRICS_PATH = '/metrics';

export interface MetricsServerOptions {
  readonly registry: Registry;
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly log?: Logger;
}

export interface MetricsServer {
  /** e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

function answer(res: ServerResponse, status: number, body: string, headers = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

async function handle(
  registry: Registry,
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://metrics').pathname;
  if (path !== METRICS_PATH) return answer(res, 404, `Not found: only GET ${METRICS_PATH}.\n`);
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return answer(res, 405, `Method not allowed: only GET ${METRICS_PATH}.\n`, {
      allow: 'GET, HEAD',
    });
  let text: string;
  try {
    text = await registry.metrics();
  } catch (err) {
    log('error', 'metrics.failed', { message: err instanceof Error ? err.message : String(err) });
    return answer(res, 500, 'Metrics could not be collected.\n');
  }
  res.writeHead(200, { 'content-type': registry.contentType });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Serves `registry` at http://HOST:PORT/metrics until `close()`. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, host, port } = options;
  const log = options.log ?? silentLogger;
  const server = createServer((req, res) => void handle(registry, log, req, res));
  server.listen(port, host);
  await once(server, 'listening'); // rejects on 'error', e.g. EADDRINUSE
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}${METRICS_PATH}`;
  log('info', 'metrics.listening', { url, auth: false });
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // A scraper's keep-alive connection must not hold the node open.
        server.closeAllConnections();
      }),
  };
}
