import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, type ErrorJson } from './helpers.ts';

// The policy the dashboard must send, written out here so a loosened header fails the test.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, { headers });
}

function expectSecurityHeaders(res: Response): void {
  expect(res.headers.get('content-security-policy')).toBe(CSP);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

/** The shell's script and stylesheet paths, as its HTML names them. */
async function assetPaths(): Promise<{ js: string; css: string }> {
  const html = await (await get('/dashboard')).text();
  const js = /<script type="module" src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  const css = /<link rel="stylesheet" href="(\/dashboard\/assets\/[^"]+\.css)"/.exec(html)?.[1];
  if (!js || !css) throw new Error(`the shell names no script or stylesheet:\n${html}`);
  return { js, css };
}

describe('GET /dashboard (the page shell)', () => {
  it('answers the HTML shell with the strict CSP, nosniff, no-cache and its sha-256 etag', async () => {
    for (const path of ['/dashboard', '/dashboard/']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expectSecurityHeaders(res);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const body = await res.text();
      expect(body).toMatch(/^<!doctype html>/);
      expect(res.headers.get('etag')).toBe(`"${await sha256Hex(body)}"`);
    }
  });

  it('answers 304 with no body to a matching If-None-Match, 200 to another tag', async () => {
    const etag = (await get('/dashboard')).headers.get('etag') ?? '';
    const same = await get('/dashboard', { 'if-none-match': `"other", W/${etag}` });
    expect(same.status).toBe(304);
    expect(await same.text()).toBe('');
    expect(same.headers.get('etag')).toBe(etag);
    expectSecurityHeaders(same);
    const other = await get('/dashboard', { 'if-none-match': '"0000"' });
    expect(other.status).toBe(200);
    await other.body?.cancel();
  });
});

describe('GET /dashboard/assets/<name>', () => {
  it('serves the hashed script and stylesheet the shell names, cacheable for good', async () => {
    const paths = await assetPaths();
    const types = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
    for (const kind of ['js', 'css'] as const) {
      const res = await get(paths[kind]);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(types[kind]);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expectSecurityHeaders(res);
      const body = await res.text();
      expect(body.length).toBeGreaterThan(1000);
      const hash = await sha256Hex(body);
      expect(res.headers.get('etag')).toBe(`"${hash}"`);
      // The name carries the content hash, so a new build gets a new name.
      expect(paths[kind]).toBe(`/dashboard/assets/app-${hash.slice(0, 16)}.${kind}`);
      const again = await get(paths[kind], { 'if-none-match': `"${hash}"` });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
    }
  });

  it('answers 404 in the error shape, with the security headers, for an unknown asset', async () => {
    for (const path of ['/dashboard/assets/app-0000000000000000.js', '/dashboard/assets/index']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json');
      expectSecurityHeaders(res);
      const body = await res.json<ErrorJson>();
      expect(body.error.code).toBe('not_found');
      expect(body.error.message).toContain(path.slice('/dashboard/assets/'.length));
    }
  });
});
