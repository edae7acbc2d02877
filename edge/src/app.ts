import { ProximaError, quote } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { corsFromEnv } from './cors.ts';
import { dashboardPage } from './dashboard/page.ts';
import type { Env } from './env.ts';
import { errorResponse, onError } from './errors.ts';
import { admin } from './routes/admin/index.ts';
import { cache } from './routes/cache.ts';
import { chat } from './routes/chat.ts';
import { completions } from './routes/completions.ts';
import { embeddings } from './routes/embeddings.ts';
import { models } from './routes/models.ts';
import { nodeConnect } from './routes/node-connect.ts';
import { ocr } from './routes/ocr.ts';
import { ollama } from './routes/ollama/index.ts';
import { rag } from './routes/rag.ts';
import { transcriptions } from './routes/transcriptions.ts';
import { measure } from './metrics/measure.ts';
import { drainRequestBody } from './read-bounded.ts';
import { metrics } from './routes/metrics.ts';
import { dashboardApi } from './dashboard/api/index.ts';

export const app = new Hono<{ Bindings: Env }>();

// A request refused before its body was read (401, 404, 413…) has the body drained before the
// answer goes out: a connection closed with unread bytes is reset, and the client loses the answer.
app.use('*', async (c, next) => {
  await next();
  await drainRequestBody(c.req.raw);
});
app.use('*', measure);
app.use('/v1/*', corsFromEnv);
app.use('/api/*', corsFromEnv);
app.get('/healthz', (c) => c.json({ status: 'ok' }));
// First among the dashboard's routes: its security headers wrap the API's answers too.
app.route('/', dashboardPage);
app.route('/', chat);
app.route('/', completions);
app.route('/', embeddings);
app.route('/', ocr);
app.route('/', transcriptions);
app.route('/', models);
app.route('/', nodeConnect);
app.route('/', ollama);
app.route('/', rag);
app.route('/', cache);
app.route('/', admin);
app.route('/', metrics);
app.route('/', dashboardApi);

const methods: Record<string, string> = {
  '/v1/chat/completions': 'POST',
  '/v1/completions': 'POST',
  '/v1/embeddings': 'POST',
  '/v1/ocr': 'POST',
  '/v1/audio/transcriptions': 'POST',
  '/v1/models': 'GET',
  '/healthz': 'GET',
};

app.notFound((c) => {
  const allowed = methods[c.req.path];
  if (allowed) {
    const res = errorResponse(
      new ProximaError(
        'method_not_allowed',
        `${c.req.method} is not allowed on ${c.req.path}; use ${allowed}.`,
      ),
    );
    res.headers.set('allow', allowed);
    return res;
  }
  return errorResponse(
    new ProximaError('not_found', `No route for ${quote(c.req.method)} ${quote(c.req.path)}.`),
  );
});
app.onError(onError);
