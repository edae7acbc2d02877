/**
 * Does auth of a known key cost a registry round trip? Three request kinds through the real
 * Worker, interleaved so they see the same noise:
 * - `hot`: GET /v1/models with a key this isolate has cached (auth from the cache + presence);
 * - `reference`: GET /admin/nodes (a constant-time admin token check + the same presence call);
 * - `miss`: GET /v1/models with a key used for the first time (a ReadIndex read of the key).
 * If the hot path held a consensus round trip, `hot` would sit with `miss`, not with `reference`.
 */
import { percentile, round } from '../gateway/stats.ts';

export interface AuthFigures {
  readonly hotP50Ms: number;
  readonly hotP99Ms: number;
  readonly referenceP50Ms: number;
  readonly referenceP99Ms: number;
  readonly missP50Ms: number;
  readonly missP99Ms: number;
  /** hot p50 / reference p50: 1 means auth adds nothing measurable. */
  readonly hotOverReference: number;
}

async function timed(url: URL, token: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url.pathname} answered ${res.status}`);
  return performance.now() - started;
}

async function createKey(base: string, adminToken: string): Promise<string> {
  const res = await fetch(new URL('/admin/api-keys', base), {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'bench-auth', name: 'bench' }),
  });
  if (res.status !== 201) throw new Error(`creating a key answered ${res.status}`);
  return ((await res.json()) as { key: string }).key;
}

export async function measureAuth(
  base: string,
  adminToken: string,
  rounds: number,
): Promise<AuthFigures> {
  const models = new URL('/v1/models', base);
  const nodes = new URL('/admin/nodes', base);
  const hotKey = await createKey(base, adminToken);
  const fresh: string[] = [];
  for (let i = 0; i < rounds; i++) fresh.push(await createKey(base, adminToken));
  for (let i = 0; i < 20; i++) {
    await timed(models, hotKey);
    await timed(nodes, adminToken);
  }
  const hot: number[] = [];
  const reference: number[] = [];
  const miss: number[] = [];
  for (const key of fresh) {
    hot.push(await timed(models, hotKey));
    reference.push(await timed(nodes, adminToken));
    miss.push(await timed(models, key));
  }
  const p = (values: number[], q: number) => round(percentile(values, q));
  return {
    hotP50Ms: p(hot, 50),
    hotP99Ms: p(hot, 99),
    referenceP50Ms: p(reference, 50),
    referenceP99Ms: p(reference, 99),
    missP50Ms: p(miss, 50),
    missP99Ms: p(miss, 99),
    hotOverReference: round(percentile(hot, 50) / percentile(reference, 50)),
  };
}
