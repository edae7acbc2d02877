import OpenAI from 'openai';
import { afterAll, beforeAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '@proxima/local-node/dev';

export interface TestFleet {
  readonly fleet: Fleet;
  /** Every line each child printed, by child name. */
  readonly lines: Map<string, string[]>;
  /** Parsed JSON log events of a node. */
  events(nodeId: string): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A real fleet (wrangler dev + node processes with the demo model) in a temp state dir. */
export async function startTestFleet(
  nodes = 1,
  edgeBindings?: Readonly<Record<string, string>>,
): Promise<TestFleet> {
  const stateDir = await mkdtemp(join(tmpdir(), 'proxima-e2e-'));
  const lines = new Map<string, string[]>();
  const fleet = await startFleet({
    stateDir,
    port: 0,
    nodes,
    heartbeatMs: 1000,
    helloTimeoutMs: 2000,
    ...(edgeBindings === undefined ? {} : { edgeBindings }),
    onLine: (name, line) => {
      const list = lines.get(name) ?? [];
      list.push(line);
      lines.set(name, list);
    },
  });
  return {
    fleet,
    lines,
    events(nodeId) {
      const out: Array<Record<string, unknown>> = [];
      for (const line of lines.get(nodeId) ?? []) {
        try {
          out.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a log line
        }
      }
      return out;
    },
    async close() {
      await fleet.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** A node token bound to `nodeId`, made through the fleet's admin API. */
export async function createNodeToken(t: TestFleet, nodeId: string): Promise<string> {
  const res = await fetch(new URL('/admin/node-tokens', t.fleet.info.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${t.fleet.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ nodeId }),
  });
  if (!res.ok) throw new Error(`node token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Polls `check` every 50 ms until it returns a value or `ms` passes. */
export async function eventually<T>(check: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface FleetContext {
  readonly t: TestFleet;
  /** The official openai client pointed at the fleet's edge, without retries. */
  readonly client: OpenAI;
}

/** The official openai client pointed at a fleet's edge, without retries. */
export function openaiClient(t: TestFleet): OpenAI {
  return new OpenAI({
    baseURL: `${t.fleet.info.url}/v1`,
    apiKey: t.fleet.info.apiKey,
    maxRetries: 0,
  });
}

/** Starts a fleet before the file's tests and stops it after them. */
export function useTestFleet(nodes = 1): FleetContext {
  let started: FleetContext | undefined;
  beforeAll(async () => {
    const t = await startTestFleet(nodes);
    started = { t, client: openaiClient(t) };
  });
  afterAll(async () => {
    await started?.t.close();
  });
  const get = (): FleetContext => {
    if (!started) throw new Error('the fleet is not started (use inside tests)');
    return started;
  };
  return {
    get t() {
      return get().t;
    },
    get client() {
      return get().client;
    },
  };
}
