// Auth against the replicated registry: the cache, its revocation bound, scopes, expiry, rotation.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/raft/client/registry-client.ts';
import { ADMIN, adminPost, BASE, type ErrorJson } from './helpers.ts';
import { healAll, isolate, peers, sleep, testEnv } from './raft-group.ts';

interface Created {
  readonly id: string;
  readonly key: string;
}

const models = (key: string) =>
  SELF.fetch(`${BASE}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
const chat = (key: string) =>
  SELF.fetch(`${BASE}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'nobody-serves-this',
      messages: [{ role: 'user', content: 'x' }],
    }),
  });
const admin = (path: string, init: RequestInit = {}) =>
  SELF.fetch(`${BASE}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
  });

async function createKey(body: Record<string, unknown>): Promise<Created> {
  const res = await adminPost('/admin/api-keys', body);
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json<Created>();
}

describe('auth from the replicated registry', () => {
  it('a key revoked elsewhere (not through this isolate) is refused from 1 s after the revoke', async () => {
    const key = await createKey({ tenant: 'revoked-elsewhere' });
    expect((await models(key.key)).status).toBe(200); // now cached in this isolate
    // Another isolate's revoke: straight to the group, so this isolate's cache is not cleared.
    const revoked = await new RegistryClient(testEnv).propose({
      v: 1,
      type: 'key.revoke',
      id: key.id,
    });
    expect(revoked.ok).toBe(true);
    const revokedAt = Date.now();
    const answers: Array<{ at: number; status: number }> = [];
    while (Date.now() < revokedAt + 1500) {
      const at = Date.now() - revokedAt;
      answers.push({ at, status: (await models(key.key)).status });
      await sleep(50);
    }
    const lateAccepts = answers.filter((a) => a.at >= 1000 && a.status !== 401);
    expect(lateAccepts, JSON.stringify(answers)).toEqual([]);
  });

  it('a key without the chat scope gets 403 on chat and 200 on models', async () => {
    const key = await createKey({ tenant: 'scoped', scopes: ['models'] });
    expect((await models(key.key)).status).toBe(200);
    const refused = await chat(key.key);
    expect(refused.status).toBe(403);
    expect((await refused.json<ErrorJson>()).error.message).toMatch(/'chat' scope/);
  });

  it('an expired key is refused; a key cannot be created already expired', async () => {
    const past = await adminPost('/admin/api-keys', { tenant: 'expiry', expiresAt: 1000 });
    expect(past.status).toBe(400);
    expect((await past.json<ErrorJson>()).error.message).toMatch(/expiresAt/);
    const soon = await createKey({ tenant: 'expiry', expiresAt: Date.now() + 600 });
    expect((await models(soon.key)).status).toBe(200);
    await sleep(700);
    expect((await models(soon.key)).status).toBe(401);
  });

  it('rotation: the new key works at once and the old one is refused', async () => {
    const old = await createKey({ tenant: 'rotate', limits: { requestsPerMinute: 1000 } });
    expect((await models(old.key)).status).toBe(200);
    const res = await admin(`/admin/api-keys/${old.id}/rotate`, { method: 'POST' });
    expect(res.status).toBe(201);
    const rotated = await res.json<
      Created & { revoked: string; tenant: string; limits: unknown }
    >();
    expect(rotated).toMatchObject({ revoked: old.id, tenant: 'rotate' });
    expect(rotated.limits).toEqual({ requestsPerMinute: 1000 });
    expect((await models(rotated.key)).status).toBe(200);
    expect((await models(old.key)).status).toBe(401);
    const again = await admin(`/admin/api-keys/${old.id}/rotate`, { method: 'POST' });
    expect(again.status).toBe(404);
  });

  it('a tenant with keys cannot be removed; an empty one can', async () => {
    await createKey({ tenant: 'keeps-keys' });
    const refused = await admin('/admin/tenants/keeps-keys', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(
      (await admin('/admin/tenants/empty-one', { method: 'PATCH', body: '{"limits":{}}' })).status,
    ).toBe(200);
    expect((await admin('/admin/tenants/empty-one', { method: 'DELETE' })).status).toBe(200);
    const listed = await (
      await admin('/admin/tenants')
    ).json<{ tenants: Array<{ tenant: string }> }>();
    expect(listed.tenants.map((t) => t.tenant)).not.toContain('empty-one');
  });

  it('bad admin arguments get a 400 naming the field', async () => {
    const bad = await adminPost('/admin/api-keys', { tenant: 'x', scopes: ['root'] });
    expect(bad.status).toBe(400);
    expect((await bad.json<ErrorJson>()).error.message).toMatch(/scopes/);
    const badId = await admin('/admin/api-keys/not-an-id', { method: 'DELETE' });
    expect(badId.status).toBe(400);
  });

  it('while the registry has no leader, a cached key keeps working and a new one gets 503', async () => {
    const key = await createKey({ tenant: 'outage' });
    const unknown = await createKey({ tenant: 'outage' });
    expect((await models(key.key)).status).toBe(200);
    for (const id of peers) await isolate(id, id);
    try {
      await sleep(1200); // past the 1 s freshness: the next request must try to confirm
      expect((await models(key.key)).status).toBe(200);
      const res = await models(unknown.key);
      expect(res.status).toBe(503);
      expect((await res.json<ErrorJson>()).error.message).toMatch(/registry has no leader/);
    } finally {
      await healAll();
    }
  }, 30_000);
});
