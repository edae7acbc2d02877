/**
 * Portkey's open-source gateway (`@portkey-ai/gateway`, its published Node build) in this
 * process, as bench:gateway-peer's peer. Its start script always listens on all interfaces at
 * `--port` (8787 by default, which a dev edge may hold); this launcher makes its one server
 * listen on 127.0.0.1 at a free port instead and prints `port N` on stdout, then loads the
 * build unchanged. Nothing else is altered: requests take Portkey's own path.
 * Run with NODE_ENV=production and `--headless` (no log UI); it makes no network call of its
 * own at start or per request, only the forward to the custom host each request names.
 */
import { Server } from 'node:net';
import { join } from 'node:path';

const BUILD = join(
  import.meta.dirname,
  '..',
  '..',
  'node_modules',
  '@portkey-ai',
  'gateway',
  'build',
  'start-server.js',
);

type Listen = (this: Server, ...args: unknown[]) => Server;
const listen = Object.getOwnPropertyDescriptor(Server.prototype, 'listen')?.value as Listen;
// @hono/node-server's serve() calls listen(port, hostname, callback) once: Portkey's server.
function onLoopback(this: Server, ...args: unknown[]): Server {
  Server.prototype.listen = listen as Server['listen'];
  const callback = args.find((a): a is () => void => typeof a === 'function');
  return listen.call(this, 0, '127.0.0.1', () => {
    const address = this.address();
    process.stdout.write(`port ${typeof address === 'object' && address ? address.port : 0}\n`);
    callback?.();
  });
}
Server.prototype.listen = onLoopback as Server['listen'];

process.on('SIGTERM', () => process.exit(0));
await import(BUILD);
