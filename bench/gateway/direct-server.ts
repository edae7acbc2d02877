/**
 * The bench's baseline: a plain Node HTTP server in its own process that answers a chat request
 * with a fixed completion at once. Client -> this server is what a request costs without the edge.
 * Prints its port on stdout.
 */
import { createServer } from 'node:http';

const body = JSON.stringify({
  id: 'chatcmpl-direct',
  object: 'chat.completion',
  created: 0,
  model: 'bench-instant',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`port ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
