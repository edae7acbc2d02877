import {
  DASHBOARD_LIMITS,
  type DashboardRagNamespace,
  type DashboardSnapshot,
  type DashboardTenantUsage,
} from '@proxima/core/dashboard';
import { limiterStub, presenceStub, type Env } from '../env.ts';
import { metricsHubStub } from '../metrics/recording.ts';
import { MembershipClient } from '../raft/client/membership-client.ts';
import { registryClient } from '../raft/client/registry.ts';
import { namespaceStub } from '../rag/stubs.ts';
import { routingSnapshot } from '../routes/dispatch.ts';
import { burstSettings } from '../burst/config.ts';
import { dashboardBackends, dashboardNodes, dashboardRaft } from './fleet-view.ts';

/** How long one part may take before the frame goes out without it. */
const PART_TIMEOUT_MS = 3000;
/** Namespaces whose documents and chunks are read, at most (the rest show null). */
const DESCRIBED_NAMESPACES_MAX = 50;
/** Backends listed at most (the router remembers up to 10,000). */
const BACKENDS_MAX = 200;

/** Parts that change slowly or cost many calls are read at most this often per isolate. */
const EVERY_MS = { raft: 2000, rag: 15_000, tenants: 30_000 } as const;

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} took longer than ${PART_TIMEOUT_MS} ms`)),
      PART_TIMEOUT_MS,
    );
  });
  return Promise.race([work, late]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}

/** A part read at most every `everyMs`; a failed read is tried again at the next frame. */
class Every<T> {
  private value: { at: number; result: Promise<T> } | null = null;
  private readonly everyMs: number;
  constructor(everyMs: number) {
    this.everyMs = everyMs;
  }
  read(now: number, load: () => Promise<T>): Promise<T> {
    if (this.value && now - this.value.at < this.everyMs) return this.value.result;
    const result = load();
    const entry = { at: now, result };
    this.value = entry;
    result.catch(() => {
      if (this.value === entry) this.value = null;
    });
    return result;
  }
}

const raftPart = new Every<DashboardSnapshot['raft']>(EVERY_MS.raft);
const ragPart = new Every<DashboardRagNamespace[]>(EVERY_MS.rag);
const tenantsPart = new Every<DashboardTenantUsage[]>(EVERY_MS.tenants);

async function ragNamespaces(env: Env): Promise<DashboardRagNamespace[]> {
  const maps = await (await registryClient(env)).read({ type: 'shardMaps' });
  const rows = maps.flatMap((m) => {
    // Registry keys are `rag:<tenant>:<namespace>` (core/rag/shard-map.ts).
    const [prefix, tenant, ...rest] = m.namespace.split(':');
    if (prefix !== 'rag' || tenant === undefined || rest.length === 0) return [];
    return [{ tenant, namespace: rest.join(':'), shards: m.shards.length, version: m.version }];
  });
  return Promise.all(
    rows.map(async (r, i): Promise<DashboardRagNamespace> => {
      const base = {
        tenant: r.tenant,
        namespace: r.namespace,
        shards: r.shards,
        directoryVersion: r.version,
      };
      if (i >= DESCRIBED_NAMESPACES_MAX) return { ...base, documents: null, chunks: null };
      try {
        const d = await namespaceStub(env, r.tenant, r.namespace).describe({
          tenant: r.tenant,
          namespace: r.namespace,
        });
        return {
          ...base,
          documents: d.documents,
          chunks: d.shards.reduce((sum, s) => sum + s.rows, 0),
        };
      } catch {
        return { ...base, documents: null, chunks: null };
      }
    }),
  );
}

async function tenantUsage(env: Env, now: number): Promise<DashboardTenantUsage[]> {
  const tenants = await (await registryClient(env)).read({ type: 'tenants' });
  const query = { from: now - 24 * 3600_000, to: now, groupBy: [] };
  return Promise.all(
    tenants.map(async (t) => {
      const rows = await limiterStub(env, t.tenant).usage(t.tenant, query);
      const sum = (pick: (r: (typeof rows)[number]) => number) =>
        rows.reduce((total, r) => total + pick(r), 0);
      return {
        tenant: t.tenant,
        requests: sum((r) => r.requests),
        promptTokens: sum((r) => r.promptTokens),
        completionTokens: sum((r) => r.completionTokens),
        cacheHits: sum((r) => r.cacheHits),
        errors: sum((r) => r.errors),
      };
    }),
  );
}

async function gather(env: Env, now: number): Promise<DashboardSnapshot> {
  const problems: Record<string, string> = {};
  const part = async <T>(name: string, work: () => Promise<T>): Promise<T | null> => {
    try {
      return await withTimeout(work(), name);
    } catch (err) {
      problems[name] = err instanceof Error ? err.message : String(err);
      return null;
    }
  };
  const [hub, nodes, raft, rag, tenants] = await Promise.all([
    part('metrics', () => metricsHubStub(env).view(DASHBOARD_LIMITS.seriesSeconds)),
    part('nodes', async () => dashboardNodes(await presenceStub(env).listNodes(now), now)),
    part('raft', () =>
      raftPart.read(now, async () => dashboardRaft(await new MembershipClient(env).status())),
    ),
    part('rag', () => ragPart.read(now, () => ragNamespaces(env))),
    part('tenants', () => tenantsPart.read(now, () => tenantUsage(env, now))),
  ]);
  return {
    at: now,
    nodes,
    backends: dashboardBackends(routingSnapshot(now, BACKENDS_MAX)),
    series: hub?.series ?? null,
    totals: hub?.totals ?? null,
    rag,
    raft,
    burst: hub === null ? null : { configured: burstSettings(env).ok, inFlight: hub.burstInFlight },
    tenants,
    problems,
  };
}

/** The latest frame; every open dashboard on this isolate shares one read a tick. */
let shared: { at: number; frame: Promise<DashboardSnapshot> } | null = null;

export function dashboardSnapshot(
  env: Env,
  now: number,
  tickMs: number,
): Promise<DashboardSnapshot> {
  if (shared && now - shared.at < tickMs * 0.9) return shared.frame;
  const frame = gather(env, now);
  shared = { at: now, frame };
  return frame;
}
