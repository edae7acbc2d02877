// GET /metrics at the edge and `proxima node --metrics` on a node serving it, read by a real
// Prometheus text parser while real traffic flows: counters move by what was sent, and nothing
// secret or personal (keys, key ids, prompts) ever appears in a scrape.
import { EDGE_METRICS, NODE_METRICS } from '@proxima/core/metrics';
import { spawnChild, type Child } from '@proxima/local-node/child';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  familyOf,
  scrape,
  valueOf,
  type Scrape,
} from '../../local-node/src/metrics/scrape.testing.ts';
import { createNodeToken, openaiClient, startTestFleet, type TestFleet } from '../fleet.ts';
import { adminJson, modelsStatus } from './admin.ts';
import { until } from './until.ts';

const NODE_ID = 'metrics-node';
const MODEL = 'proxima-demo';
/** A prompt no metric may ever carry, and its words that no metric's name or help holds. */
const PROMPT = 'The violet heron counts 4417 pebbles.';
const PROMPT_WORDS = ['violet', 'heron', '4417', 'pebbles'];

/** Sums the samples of `name` whose labels include `labels` (other labels: any). */
function sumWhere(s: Scrape, name: string, labels: Readonly<Record<string, string>>): number {
  return (familyOf(s, name)?.metrics ?? [])
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? 0), 0);
}

/**
 * A labelled histogram's `_count` for one label set, read from the text: the parser folds a
 * family's label sets into one map and drops labelled counts (see scrape.testing.ts).
 */
function histogramCount(s: Scrape, name: string, labels: string): number {
  const line = s.text.split('\n').find((l) => l.startsWith(`${name}_count{${labels}} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('/metrics at the edge and on a node', () => {
  let t: TestFleet | undefined;
  let node: Child | undefined;
  let nodeMetricsUrl = '';
  const fleet = () => {
    if (!t) throw new Error('no fleet');
    return t;
  };
  const scrapeEdge = () =>
    scrape(new URL('/metrics', fleet().fleet.info.url).href, {
      headers: { authorization: `Bearer ${fleet().fleet.adminToken}` },
    });

  beforeAll(async () => {
    // No node of the fleet's own: the only node is this one, so every chat lands on it.
    t = await startTestFleet(0);
    const token = await createNodeToken(t, NODE_ID);
    let listening: (url: string) => void = () => undefined;
    let connected: () => void = () => undefined;
    const ready = Promise.all([
      new Promise<string>((r) => (listening = r)),
      new Promise<void>((r) => (connected = r)),
    ]);
    const lines: string[] = [];
    node = spawnChild({
      name: NODE_ID,
      command: process.execPath,
      args: [
        t.fleet.proximaBin,
        'node',
        '--edge',
        t.fleet.info.url,
        '--model',
        t.fleet.modelPath,
        '--node-id',
        NODE_ID,
        '--metrics',
        '127.0.0.1:0',
      ],
      env: { PROXIMA_NODE_TOKEN: token },
      onLine: (line) => {
        lines.push(line);
        if (line.includes('"event":"metrics.listening"'))
          listening((JSON.parse(line) as { url: string }).url);
        if (line.includes('"event":"edge.connected"')) connected();
      },
    });
    const exited = node.exited.then((code) => {
      throw new Error(`${NODE_ID} exited (${code}):\n${lines.join('\n')}`);
    });
    [nodeMetricsUrl] = await Promise.race([ready, exited]);
  });
  afterAll(async () => {
    await node?.stop('SIGTERM', 10_000);
    await t?.close();
  });

  it('refuses a scrape without the admin token, or with an API key', async () => {
    const url = new URL('/metrics', fleet().fleet.info.url);
    const bare = await fetch(url);
    expect(bare.status).toBe(401);
    await bare.arrayBuffer();
    const withKey = await fetch(url, {
      headers: { authorization: `Bearer ${fleet().fleet.info.apiKey}` },
    });
    expect(withKey.status).toBe(401);
    expect(await withKey.text()).not.toContain('proxima_edge_');
  });

  it('moves the request, latency and token counters by the traffic sent', async () => {
    const { url, apiKey } = fleet().fleet.info;
    const before = await scrapeEdge();
    const nodeBefore = await scrape(nodeMetricsUrl);
    const sent = 12;
    const statuses = await Promise.all(
      Array.from({ length: sent }, () => modelsStatus(url, apiKey)),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const chat = await openaiClient(fleet()).chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: PROMPT }],
      max_tokens: 4,
    });
    const usage = chat.usage;
    if (!usage) throw new Error('no usage');

    const requests = (s: Scrape, route: string) =>
      valueOf(s, EDGE_METRICS.requests.name, { route, status_class: '2xx' }) ?? 0;
    const tokens = (s: Scrape, direction: string) =>
      sumWhere(s, EDGE_METRICS.tokens.name, { tenant: 'dev', direction });
    // The edge flushes its metrics about once a second.
    const after = await until(async () => {
      const s = await scrapeEdge();
      const caughtUp =
        requests(s, 'models') >= requests(before, 'models') + sent &&
        requests(s, 'chat') >= requests(before, 'chat') + 1 &&
        tokens(s, 'completion') > tokens(before, 'completion');
      return caughtUp ? s : undefined;
    }, 'the scrape showing the traffic');

    const duration = EDGE_METRICS.requestDuration.name;
    expect(
      histogramCount(after, duration, 'route="models"') -
        histogramCount(before, duration, 'route="models"'),
    ).toBeGreaterThanOrEqual(sent);
    expect(
      histogramCount(after, duration, 'route="chat"') -
        histogramCount(before, duration, 'route="chat"'),
    ).toBeGreaterThanOrEqual(1);
    expect(tokens(after, 'prompt') - tokens(before, 'prompt')).toBe(usage.prompt_tokens);
    expect(tokens(after, 'completion') - tokens(before, 'completion')).toBe(
      usage.completion_tokens,
    );
    expect(valueOf(after, EDGE_METRICS.nodes.name, { state: 'ready' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(after, EDGE_METRICS.nodeSlots.name, { node: NODE_ID })).toBeGreaterThanOrEqual(
      1,
    );

    // The node ran that one chat and says it holds its session with the edge.
    const nodeAfter = await scrape(nodeMetricsUrl);
    const jobsOk = (s: Scrape) =>
      sumWhere(s, NODE_METRICS.jobs.name, { model: MODEL, outcome: 'ok' });
    expect(jobsOk(nodeAfter) - jobsOk(nodeBefore)).toBe(1);
    expect(valueOf(nodeAfter, NODE_METRICS.edgeConnected.name)).toBe(1);
    const nodeTokens = (s: Scrape, direction: string) =>
      sumWhere(s, NODE_METRICS.tokens.name, { model: MODEL, direction });
    expect(nodeTokens(nodeAfter, 'completion') - nodeTokens(nodeBefore, 'completion')).toBe(
      usage.completion_tokens,
    );
  });

  it('carries no API key, key id, admin token or prompt text', async () => {
    const { url, apiKey } = fleet().fleet.info;
    const adminToken = fleet().fleet.adminToken;
    const { keys } = await adminJson<{ keys: Array<{ id: string }> }>(
      url,
      adminToken,
      '/admin/api-keys',
    );
    expect(keys.length).toBeGreaterThan(0);
    const secrets = [apiKey, adminToken, PROMPT, ...PROMPT_WORDS, ...keys.map((k) => k.id)];
    for (const s of [await scrapeEdge(), await scrape(nodeMetricsUrl)]) {
      for (const secret of secrets) expect(s.text, secret).not.toContain(secret);
    }
  });
});
