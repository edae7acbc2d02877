/**
 * The benches' fake OpenAI-compatible server: a plain Node HTTP server in its own process that
 * answers `POST .../chat/completions` at once, with no inference. Client -> this server is what
 * a request costs without a gateway (the baseline), and it is also the upstream the gateways
 * forward to in bench:gateway-peer. A body with `"stream": true` gets an SSE answer: a role
 * chunk, two content chunks, a finish chunk, a usage chunk and `[DONE]`, written at once; any
 * other body gets one whole chat completion. Prints its port on stdout.
 */
import { createServer, type ServerResponse } from 'node:http';

const MODEL = 'bench-instant';
const USAGE = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };

const body = JSON.stringify({
  id: 'chatcmpl-direct',
  object: 'chat.completion',
  created: 0,
  model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

function chunk(delta: object, finish: string | null, usage?: object): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-direct',
    object: 'chat.completion.chunk',
    created: 0,
    model: MODEL,
    choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  })}\n\n`;
}

/** The whole stream, built once: the answer is the same for every request. */
const sse =
  chunk({ role: 'assistant', content: '' }, null) +
  chunk({ content: 'o' }, null) +
  chunk({ content: 'k' }, null) +
  chunk({}, 'stop') +
  chunk({}, null, USAGE) +
  'data: [DONE]\n\n';

function wantsStream(raw: string): boolean {
  try {
    return (JSON.parse(raw) as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
}

function answer(res: ServerResponse, stream: boolean): void {
  if (stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(sse);
  } else {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  }
}

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => answer(res, wantsStream(Buffer.concat(parts).toString('utf8'))));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`port ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
