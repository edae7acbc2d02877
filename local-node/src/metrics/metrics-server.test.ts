// The /metrics server answers GET /metrics only: 404 on other paths, 405 for other methods.
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonLogger } from '../agent/log.ts';
import { startMetricsServer, type MetricsServer } from './metrics-server.ts';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(registry = new Registry()): Promise<{ url: string; base: string }> {
  server = await startMetricsServer({ registry, host: '127.0.0.1', port: 0 });
  return { url: server.url, base: new URL('/', server.url).toString() };
}

describe('metrics server', () => {
  it('GET /metrics: the registry in its own content type; HEAD: headers only', async () => {
    const registry = new Registry();
    new Counter({ name: 'probe_total', help: 'A probe.', registers: [registry] }).inc(3);
    const { url } = await serve(registry);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('probe_total 3\n');
    const withQuery = await fetch(`${url}?name[]=probe_total`);
    expect(withQuery.status).toBe(200);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it.each(['/', '/metric', '/metrics/', '/metrics/x', '/healthz'])('GET %s: 404', async (path) => {
    const { base } = await serve();
    const res = await fetch(new URL(path, base));
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('GET /metrics');
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('%s /metrics: 405', async (method) => {
    const { url } = await serve();
    const res = await fetch(url, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('logs one line with its URL when listening; close() frees the port', async () => {
    const logged: string[] = [];
    server = await startMetricsServer({
      registry: new Registry(),
      host: '127.0.0.1',
      port: 0,
      log: jsonLogger((line) => logged.push(line)),
    });
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0] ?? '{}')).toMatchObject({
      level: 'info',
      event: 'metrics.listening',
      url: server.url,
      auth: false,
    });
    const { url } = server;
    await (await fetch(url)).text(); // a keep-alive connection must not hold the server open
    await server.close();
    server = undefined;
    await expect(fetch(url)).rejects.toThrow();
  });

  it('a busy port is an error, not a silent node without metrics', async () => {
    const { url } = await serve();
    const port = Number(new URL(url).port);
    await expect(
      startMetricsServer({ registry: new Registry(), host: '127.0.0.1', port }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
