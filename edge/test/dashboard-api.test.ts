import { SELF } from 'cloudflare:test';
import {
  DASHBOARD_ACTION_HEADER,
  DASHBOARD_COOKIE,
  DASHBOARD_PATHS,
  type AuditEntry,
  type DashboardSnapshot,
} from '@proxima/core/dashboard';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, BASE, FakeNode, newNodeToken, unique, type ErrorJson } from './helpers.ts';
import { keyOf, post } from './rag-helpers.ts';

/** A RAG namespace written before any frame is read (the view reads namespaces every 15 s). */
const RAG_TENANT = 'dash-rag';
const RAG_NAMESPACE = 'handbook';
beforeAll(async () => {
  await post(await keyOf(RAG_TENANT), RAG_NAMESPACE, [
    { id: 'a', text: 'Drain a node before its maintenance window.' },
    { id: 'b', text: 'Revoke a key that leaked, then create a new one.' },
  ]);
});

const ACTION = { [DASHBOARD_ACTION_HEADER]: '1' };

async function login(token = ADMIN, headers: Record<string, string> = ACTION): Promise<Response> {
  return SELF.fetch(`${BASE}${DASHBOARD_PATHS.login}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ token }),
  });
}

/** A logged-in session's Cookie header. */
async function session(): Promise<string> {
  const res = await login();
  expect(res.status).toBe(200);
  const set = res.headers.get('set-cookie') ?? '';
  return set.split(';')[0] ?? '';
}

function call(
  cookie: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = ACTION,
): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, {
    method,
    headers: {
      cookie,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function auditEntries(cookie: string): Promise<AuditEntry[]> {
  const res = await call(cookie, 'GET', `${DASHBOARD_PATHS.audit}?limit=50`);
  expect(res.status).toBe(200);
  return (await res.json<{ entries: AuditEntry[] }>()).entries;
}

/**
 * The first `snapshot` of the live stream that `want` accepts (frames are shared by an isolate's
 * streams for a tick, so a new stream may first get one from just before the change).
 */
async function frameWhere(
  cookie: string,
  want: (frame: DashboardSnapshot) => boolean = () => true,
  ms = 5000,
): Promise<DashboardSnapshot> {
  const res = await call(cookie, 'GET', DASHBOARD_PATHS.stream);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = Date.now() + ms;
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before a frame: ${text}`);
      text += value;
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const event = text.slice(0, end);
        text = text.slice(end + 2);
        expect(event).toContain('event: snapshot');
        const data = event
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        const frame = JSON.parse(data) as DashboardSnapshot;
        if (want(frame)) return frame;
        if (Date.now() > deadline) throw new Error('no frame as wanted in time');
      }
    }
  } finally {
    await reader.cancel();
  }
}

describe('dashboard login', () => {
  it('refuses a wrong token with 401 and audits the refusal without the token', async () => {
    const wrong = `wrong-${unique('t')}-0123456789abcdefghij`;
    const res = await login(wrong);
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await res.json<ErrorJson>()).error.param).toBe('token');
    const entries = await auditEntries(await session());
    const refused = entries.find((e) => e.action === 'login' && e.outcome === 'refused');
    expect(refused).toBeDefined();
    expect(JSON.stringify(entries)).not.toContain(wrong);
  });

  it('needs the action header, so a cross-site form cannot log anyone in', async () => {
    const res = await login(ADMIN, {});
    expect(res.status).toBe(403);
  });

  it('sets an HttpOnly, SameSite=Strict session cookie scoped to /dashboard', async () => {
    const res = await login();
    expect(res.status).toBe(200);
    const set = res.headers.get('set-cookie') ?? '';
    expect(set.startsWith(`${DASHBOARD_COOKIE}=v1.admin.`)).toBe(true);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/dashboard');
    expect(set).not.toContain(ADMIN);
    const view = await res.json<{ subject: string; expiresAt: number }>();
    expect(view.subject).toBe('admin');
    expect(view.expiresAt).toBeGreaterThan(Date.now());
  });

  it('answers the session with the cookie, and 401 without it or with a forged one', async () => {
    const cookie = await session();
    expect((await call(cookie, 'GET', DASHBOARD_PATHS.session)).status).toBe(200);
    expect((await call('', 'GET', DASHBOARD_PATHS.session)).status).toBe(401);
    const forged = cookie.replace(
      /=v1\.admin\.(\d+)\./,
      (_m, t: string) => `=v1.admin.${Number(t) + 1}.`,
    );
    const tampered = `${cookie.slice(0, -2)}xx`;
    for (const bad of [forged, tampered, `${DASHBOARD_COOKIE}=v1.admin.1.abc`]) {
      expect((await call(bad, 'GET', DASHBOARD_PATHS.session)).status).toBe(401);
    }
  });

  it('refuses actions without the header or from another origin', async () => {
    const cookie = await session();
    const path = DASHBOARD_PATHS.drain('nobody');
    expect((await call(cookie, 'POST', path, undefined, {})).status).toBe(403);
    const cross = await call(cookie, 'POST', path, undefined, {
      ...ACTION,
      origin: 'https://evil.example',
    });
    expect(cross.status).toBe(403);
  });
});

describe('dashboard live stream', () => {
  it('sends a snapshot with the connected nodes, the series and the Raft group', async () => {
    const cookie = await session();
    const id = unique('dash-node');
    const node = await FakeNode.ready(id, await newNodeToken(id), [unique('m')]);
    const frame = await frameWhere(cookie, (f) => f.nodes?.some((n) => n.id === id) === true);
    const seen = frame.nodes?.find((n) => n.id === id);
    expect(seen?.state).toBe('ready');
    expect(seen?.slots).toBe(4);
    expect(frame.series?.t.length).toBe(300);
    expect(frame.series?.requestsPerS.length).toBe(300);
    expect(frame.raft === null || frame.raft.peers.length > 0).toBe(true);
    const rag = frame.rag?.find((n) => n.tenant === RAG_TENANT && n.namespace === RAG_NAMESPACE);
    expect(rag).toMatchObject({ documents: 2, chunks: 2, shards: 1 });
    expect(frame.problems).toBeTypeOf('object');
    node.ws.close();
  });

  it('refuses the stream without a session', async () => {
    expect((await call('', 'GET', DASHBOARD_PATHS.stream)).status).toBe(401);
  });
});

describe('dashboard actions', () => {
  it('drains a node, keeps it drained across a reconnect, and re-admits it; all audited', async () => {
    const cookie = await session();
    const id = unique('drain-node');
    const token = await newNodeToken(id);
    const node = await FakeNode.ready(id, token, [unique('m')]);
    const drained = await call(cookie, 'POST', DASHBOARD_PATHS.drain(id));
    expect(drained.status).toBe(200);
    expect(await drained.json()).toEqual({ nodeId: id, draining: true, connected: true });
    const stateOf = (f: DashboardSnapshot) => f.nodes?.find((n) => n.id === id)?.state;
    await frameWhere(cookie, (f) => stateOf(f) === 'draining');

    node.ws.close();
    await node.waitClosed();
    const again = await FakeNode.ready(id, token, [unique('m')]);
    // Connected again (a new session) and still drained: the operator's drain outlives a reconnect.
    await new Promise((r) => setTimeout(r, 1100));
    expect(stateOf(await frameWhere(cookie))).toBe('draining');

    const readmitted = await call(cookie, 'POST', DASHBOARD_PATHS.readmit(id));
    expect(readmitted.status).toBe(200);
    // Ready, or suspect: this stand-in sends no heartbeats; either way no longer drained.
    await frameWhere(cookie, (f) => ['ready', 'suspect'].includes(stateOf(f) ?? ''));
    again.ws.close();

    const actions = (await auditEntries(cookie)).filter((e) => e.target === id);
    expect(actions.map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'node.readmit:ok',
      'node.drain:ok',
    ]);
  }, 20_000);

  it('answers 404 for a node that never connected, and audits the refusal', async () => {
    const cookie = await session();
    const id = unique('ghost');
    const res = await call(cookie, 'POST', DASHBOARD_PATHS.drain(id));
    expect(res.status).toBe(404);
    const entry = (await auditEntries(cookie)).find((e) => e.target === id);
    expect(entry?.outcome).toBe('refused');
  });

  it('creates a key shown once, revokes it, and the audit never holds the secret', async () => {
    const cookie = await session();
    const tenant = unique('tenant');
    const created = await call(cookie, 'POST', DASHBOARD_PATHS.keys, { tenant });
    expect(created.status).toBe(201);
    const { id, key } = await created.json<{ id: string; key: string }>();
    expect(key.startsWith('pxk_')).toBe(true);
    const chatWithKey = () =>
      SELF.fetch(`${BASE}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect((await chatWithKey()).status).toBe(200);

    const listed = await call(cookie, 'GET', DASHBOARD_PATHS.keys);
    expect(JSON.stringify(await listed.json())).toContain(id);

    const revoked = await call(cookie, 'DELETE', DASHBOARD_PATHS.key(id));
    expect(revoked.status).toBe(200);
    expect((await chatWithKey()).status).toBe(401);

    const entries = await auditEntries(cookie);
    expect(entries.find((e) => e.action === 'key.revoke' && e.target === id)?.outcome).toBe('ok');
    expect(entries.find((e) => e.action === 'key.create')?.outcome).toBe('ok');
    expect(JSON.stringify(entries)).not.toContain(key);
  });

  it('passes a bad key body through as the admin API refuses it, audited as refused', async () => {
    const cookie = await session();
    const res = await call(cookie, 'POST', DASHBOARD_PATHS.keys, { tenant: 'Not A Tenant!' });
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error.param).toBeTruthy();
    const entry = (await auditEntries(cookie)).find((e) => e.action === 'key.create');
    expect(entry?.outcome).toBe('refused');
  });
});

describe('GET /metrics', () => {
  it('needs the admin token', async () => {
    expect((await SELF.fetch(`${BASE}/metrics`)).status).toBe(401);
  });

  it('counts requests by route and status class once the isolate flushed', async () => {
    for (let i = 0; i < 3; i++) await SELF.fetch(`${BASE}/v1/models`);
    let text = '';
    for (let attempt = 0; attempt < 40; attempt++) {
      const res = await SELF.fetch(`${BASE}/metrics`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      text = await res.text();
      if (/proxima_edge_requests_total\{route="models",status_class="4xx"\} [3-9]/.test(text))
        break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(text, text).toMatch(
      /proxima_edge_requests_total\{route="models",status_class="4xx"\} \d+/,
    );
    expect(text).toMatch(/proxima_edge_errors_total\{route="models",class="auth"\} \d+/);
    expect(text).toContain(
      'proxima_edge_request_duration_seconds_bucket{route="models",le="+Inf"}',
    );
    expect(text).toContain('proxima_edge_scrape_part_up{part="hub"} 1');
    expect(text).not.toContain(ADMIN);
  }, 15_000);
});

// Last in the file: it blocks this isolate's one client address for wrong tokens.
describe('dashboard login under a flood of wrong tokens', () => {
  it('blocks wrong tokens from the address with 429, and still lets the right one in', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++)
      statuses.push((await login(`wrong-${i}-0123456789abcdefghij`)).status);
    // 401 until the address has failed FailureCounter's 30 times, then 429 for good.
    const first = statuses.indexOf(429);
    expect(first).toBeGreaterThan(25);
    expect(statuses.slice(0, first).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(first).every((s) => s === 429)).toBe(true);
    expect((await login()).status).toBe(200);
  });
});
