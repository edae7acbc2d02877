// A stand-in edge for the agent's tests: the protocol over a real WebSocket server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeToEdge } from '@proxima/core/protocol';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';

/** A stand-in edge speaking the protocol over a real WebSocket server, scripted per test. */
export async function fakeEdge(): Promise<{
  url: string;
  server: Server;
  socket: Promise<ServerSocket>;
  /** Frames not yet taken by `next`. */
  received: NodeToEdge[];
  /** Every frame, in order; `next` does not take from it. */
  all: NodeToEdge[];
  next(type: NodeToEdge['type']): Promise<NodeToEdge>;
}> {
  const server = createServer();
  const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 * 1024 });
  const received: NodeToEdge[] = [];
  const all: NodeToEdge[] = [];
  const waiters: Array<() => void> = [];
  const socket = new Promise<ServerSocket>((resolve) => {
    wss.on('connection', (ws) => {
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as NodeToEdge;
        received.push(frame);
        all.push(frame);
        for (const w of waiters.splice(0)) w();
      });
      resolve(ws);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const next = async (type: NodeToEdge['type']): Promise<NodeToEdge> => {
    for (;;) {
      const index = received.findIndex((m) => m.type === type);
      if (index >= 0) return received.splice(index, 1)[0] as NodeToEdge;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { url: `http://127.0.0.1:${port}`, server, socket, received, all, next };
}
