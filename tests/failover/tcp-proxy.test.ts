// The failover tests' TCP proxy: it forwards, a cut is a reset on both sides, a blackhole keeps
// the connection open and silent, and refuse resets new connections.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpProxy } from './tcp-proxy.ts';

let echo: Server;
let serverSide: Socket[];
let proxy: TcpProxy;

beforeEach(async () => {
  serverSide = [];
  echo = createServer((s) => {
    serverSide.push(s);
    s.on('error', () => undefined);
    s.on('data', (d) => s.write(d));
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
});

afterEach(async () => {
  await proxy.close();
  for (const s of serverSide) s.destroy();
  await new Promise<void>((r) => echo.close(() => r()));
});

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(proxy.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function nextData(s: Socket): Promise<string> {
  return new Promise((resolve) => s.once('data', (d: Buffer) => resolve(d.toString())));
}

/** How the socket ended: an error code, or 'close' without one. */
function ending(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    s.once('close', () => resolve('close'));
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('TcpProxy', () => {
  it('forwards both ways', async () => {
    const s = await open();
    const reply = nextData(s);
    s.write('ping');
    expect(await reply).toBe('ping');
    s.destroy();
  });

  it('cut resets both sides', async () => {
    const s = await open();
    const reply = nextData(s);
    s.write('ping');
    await reply;
    const server = serverSide[0];
    if (!server) throw new Error('no server socket');
    const clientEnd = ending(s);
    const serverEnd = ending(server);
    expect(proxy.cut()).toBe(1);
    expect(await clientEnd).toBe('ECONNRESET');
    expect(await serverEnd).toBe('ECONNRESET');
  });

  it('blackhole drops bytes and keeps the sockets open until cut', async () => {
    const s = await open();
    const first = nextData(s);
    s.write('ping');
    await first;
    proxy.blackhole();
    let got = '';
    let ended = false;
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('close', () => (ended = true));
    s.write('lost');
    serverSide[0]?.write('also lost');
    await sleep(200);
    expect(got).toBe('');
    expect(ended).toBe(false);
    expect(proxy.connections).toBe(1);
    const end = ending(s);
    proxy.cut();
    expect(await end).toBe('ECONNRESET');
  });

  it('refuse resets new connections; forward lets them through again', async () => {
    proxy.refuse();
    const s = connect(proxy.port, '127.0.0.1');
    expect(await ending(s)).toMatch(/ECONNRESET|close/);
    proxy.forward();
    const t = await open();
    const reply = nextData(t);
    t.write('back');
    expect(await reply).toBe('back');
    t.destroy();
  });
});
