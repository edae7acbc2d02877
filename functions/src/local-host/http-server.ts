// The HTTP triggers, as the Functions host serves them: node:http in front of the same handlers,
// with @azure/functions' own HttpRequest, InvocationContext and HttpResponse. Routes are the ones
// index.ts registers under the host's default `api/` prefix.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import azureFunctions from '@azure/functions';
import { BURST_LIMITS, JOBS_PATH } from '@proxima/core/jobs';
import { ProximaError } from '@proxima/core/protocol';
import type { Logger } from '@proxima/local-node/log';
import type { HttpHandler } from '../http/deps.ts';
import { errorResponse } from '../http/responses.ts';
import { contextLogHandler } from './context-log.ts';

const { HttpRequest, HttpResponse, InvocationContext } = azureFunctions;

export interface HttpRoutes {
  readonly postJob: HttpHandler;
  readonly getJob: HttpHandler;
}

/** The handler reads at most jobBodyBytes; one byte more is enough for it to say 413. */
const BODY_READ_CAP = BURST_LIMITS.jobBodyBytes + 1;

export function createFunctionsHttpServer(routes: HttpRoutes, log: Logger): Server {
  return createServer((req, res) => {
    serve(routes, log, req, res).catch((err: unknown) => {
      log('error', 'functions.http.failed', { error: String(err) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}

async function serve(
  routes: HttpRoutes,
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  const route = routeOf(url.pathname, req.method ?? 'GET');
  if ('error' in route) return send(res, errorResponse(route.error));

  // A declared length past the limit is the handler's 413 to give without a byte read.
  const declared = Number(req.headers['content-length'] ?? 0);
  const { bytes, complete } =
    declared >= BODY_READ_CAP
      ? { bytes: new Uint8Array(0), complete: false }
      : await readUpTo(req, BODY_READ_CAP);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const request = new HttpRequest({
    method: req.method ?? 'GET',
    url: url.href,
    headers,
    params: route.params,
    ...(bytes.length > 0 ? { body: { bytes } } : {}),
  });
  const context = new InvocationContext({
    invocationId: randomUUID(),
    functionName: route.name,
    logHandler: contextLogHandler(log, route.name),
  });
  const response = await route.handler(routes)(request, context);
  // The client may still be sending a body nobody reads: answer, then close the connection.
  if (!complete) res.setHeader('connection', 'close');
  await send(res, response);
  if (!complete) req.destroy();
}

type Route =
  | {
      readonly name: string;
      readonly handler: (routes: HttpRoutes) => HttpHandler;
      readonly params: Record<string, string>;
    }
  | { readonly error: ProximaError };

function routeOf(path: string, method: string): Route {
  if (path === JOBS_PATH)
    return method === 'POST'
      ? { name: 'postJob', handler: (r) => r.postJob, params: {} }
      : { error: notAllowed(method, path) };
  if (path.startsWith(`${JOBS_PATH}/`) && !path.slice(JOBS_PATH.length + 1).includes('/')) {
    if (method !== 'GET') return { error: notAllowed(method, path) };
    const id = decodeURIComponent(path.slice(JOBS_PATH.length + 1));
    return { name: 'getJob', handler: (r) => r.getJob, params: { id } };
  }
  return { error: new ProximaError('not_found', `No function serves ${path}.`) };
}

function notAllowed(method: string, path: string): ProximaError {
  return new ProximaError('method_not_allowed', `${method} is not served on ${path}.`);
}

/** At most `cap` bytes of the body; past that the request is paused, not drained. */
function readUpTo(
  req: IncomingMessage,
  cap: number,
): Promise<{ bytes: Uint8Array; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (complete: boolean) => {
      req.off('data', onData).off('end', onEnd).off('error', reject);
      resolve({ bytes: Buffer.concat(chunks).subarray(0, cap), complete });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= cap) {
        req.pause();
        done(false);
      }
    };
    const onEnd = () => done(true);
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

async function send(
  res: ServerResponse,
  init: ConstructorParameters<typeof HttpResponse>[0],
): Promise<void> {
  const response = new HttpResponse(init);
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, { ...headers, 'content-length': String(body.length) });
  await new Promise<void>((resolve) => res.end(body, resolve));
}
