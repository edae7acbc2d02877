/**
 * A TCP proxy between one node and the edge that a test can break: `cut()` resets both sides of
 * every connection (RST, as when a NAT or a cable drops the flow), `blackhole()` stops forwarding
 * while keeping every socket open (a silent network loss: no FIN, no RST, bytes vanish), and
 * `refuse()` resets new connections at once (the edge unreachable). `forward()` restores.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'forward' | 'blackhole' | 'refuse';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket | null;
}

export class TcpProxy {
  private readonly server: Server;
  private readonly target: { readonly host: string; readonly port: number };
  private readonly pairs = new Set<Pair>();
  private current: ProxyMode = 'forward';

  private constructor(target: { host: string; port: number }) {
    this.target = target;
    this.server = createServer((client) => this.accept(client));
  }

  /** Listens on 127.0.0.1 (a free port) and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** ws://127.0.0.1:<port>, for the node's --edge. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get mode(): ProxyMode {
    return this.current;
  }

  /** Connections open now. */
  get connections(): number {
    return this.pairs.size;
  }

  forward(): void {
    this.current = 'forward';
  }

  blackhole(): void {
    this.current = 'blackhole';
  }

  refuse(): void {
    this.current = 'refuse';
  }

  /** Resets both sockets of every connection; returns how many connections were cut. */
  cut(): number {
    const n = this.pairs.size;
    for (const pair of [...this.pairs]) this.drop(pair);
    return n;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.current === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    // Blackholed: the connection is taken and then nothing ever comes of it.
    const upstream =
      this.current === 'blackhole' ? null : connect(this.target.port, this.target.host);
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    client.on('error', () => this.closed(pair, upstream));
    client.on('close', () => this.closed(pair, upstream));
    if (!upstream) {
      client.on('data', () => undefined); // read and drop
      return;
    }
    upstream.setNoDelay(true);
    upstream.on('error', () => this.closed(pair, client));
    upstream.on('close', () => this.closed(pair, client));
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  /** Forwards `from` → `to` with backpressure while forwarding; drops bytes while blackholed. */
  private pipe(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.current === 'blackhole') return;
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.on('end', () => {
      if (this.current !== 'blackhole') to.end();
    });
  }

  /** One side closed: forward the close, unless the network is silent. */
  private closed(pair: Pair, other: Socket | null): void {
    if (this.current === 'blackhole') return;
    this.pairs.delete(pair);
    other?.destroy();
  }

  private drop(pair: Pair): void {
    this.pairs.delete(pair);
    for (const socket of [pair.client, pair.upstream]) {
      if (!socket || socket.destroyed) continue;
      try {
        socket.resetAndDestroy(); // RST, not FIN
      } catch {
        socket.destroy(); // not connected yet
      }
    }
  }
}
