/**
 * A real local HTTP server for the image tests: images, and each way a remote image can go wrong
 * (404, not an image, too large, redirects, no answer). Records every request it gets, so a test
 * can tell that a refused URL was never fetched.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ImageServer {
  /** http://127.0.0.1:port */
  readonly origin: string;
  readonly port: number;
  /** `host path` of every request received, in order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

/** Text a failing answer carries, which must never reach the client. */
export const NOT_FOR_CLIENTS = 'NOT-FOR-CLIENTS-3f9c';

export interface ServedImages {
  /** Served whole, with its Content-Length, at /tiny.png. */
  readonly png: Buffer;
  /** Sent in chunks without a Content-Length, at /chunked.png: as large as the limit allows. */
  readonly chunked: Buffer;
  /** One byte over the limit: /huge.png in chunks, /huge-declared.png with its Content-Length. */
  readonly huge: Buffer;
}

const CHUNK_BYTES = 64 * 1024;

function sendInChunks(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, { 'content-type': 'image/png' });
  for (let at = 0; at < body.length; at += CHUNK_BYTES)
    res.write(body.subarray(at, at + CHUNK_BYTES));
  res.end();
}

export async function startImageServer(images: ServedImages): Promise<ImageServer> {
  const requests: string[] = [];
  let port = 0;
  const server = createServer((req, res) => {
    requests.push(`${req.headers.host ?? ''} ${req.url ?? ''}`);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    switch (path) {
      case '/tiny.png':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': images.png.length });
        return res.end(images.png);
      case '/typed.png':
        res.writeHead(200, { 'content-type': 'Image/PNG; charset=binary' });
        return res.end(images.png);
      case '/chunked.png':
        return sendInChunks(res, images.chunked);
      case '/huge.png':
        return sendInChunks(res, images.huge);
      case '/huge-declared.png':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': images.huge.length });
        return res.end(images.huge);
      case '/missing.png':
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end(`${NOT_FOR_CLIENTS}: no such image`);
      case '/page.png':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<html>${NOT_FOR_CLIENTS}</html>`);
      case '/here.png':
        res.writeHead(302, { location: '/tiny.png?from=here' });
        return res.end();
      case '/away.png':
        // Another host name for this very server: only the allow list tells them apart.
        res.writeHead(302, { location: `http://localhost:${port}/tiny.png?from=away` });
        return res.end();
      case '/loop.png':
        res.writeHead(302, { location: '/loop.png' });
        return res.end();
      case '/hang.png':
        return; // never answers; closed with the server
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
