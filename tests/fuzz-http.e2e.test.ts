// ~2,000 hostile HTTP requests against a real fleet, generated with fixed seeds. Target: every one
// gets a 4xx with OpenAI's error JSON (or, for an odd but valid request, no 5xx), nothing hangs,
// and a valid chat still succeeds afterwards. Answers from the local runtime's own HTTP parser
// (not our JSON) are counted apart: they come before our code runs.
import { REQUEST_BODY_DEFAULT_BYTES } from '@proxima/core/protocol';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useTestFleet } from './fleet.ts';
import { hostileHttpCases, oversizedPrompts, type CaseContext } from './fuzz/http-cases.ts';
import {
  describeAnswer,
  describeRequest,
  judge,
  problemReport,
  type Outcome,
  type Problem,
} from './fuzz/judge-http.ts';
import { mapLimit, sendRaw } from './fuzz/raw-http.ts';

const f = useTestFleet();
const CONCURRENCY = 8;
/** An answer slower than this is a hang. */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * How long the edge trusts a key it has seen succeed without asking the registry again
 * (AUTH_CACHE_TTL_MS in edge/src/auth/require-api-key.ts), plus a margin. A hostile request that
 * spoiled the valid key's standing shows only once this has passed.
 */
const AUTH_CACHE_WAIT_MS = 11_000;

/** Counts by key, sorted, as one printable object. */
function tally<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function caseContext(apiKey = f.t.fleet.info.apiKey, clientAddress?: string): CaseContext {
  return {
    apiKey,
    model: f.t.fleet.info.models[0] ?? 'proxima-demo',
    // The fleet runs edge/wrangler.jsonc, whose MAX_BODY_BYTES is the default.
    bodyLimit: REQUEST_BODY_DEFAULT_BYTES,
    ...(clientAddress === undefined ? {} : { clientAddress }),
  };
}

/** A fresh API key from the admin API: its standing owes nothing to the cases before. */
async function freshApiKey(name: string): Promise<string> {
  const res = await fetch(new URL('/admin/api-keys', f.t.fleet.info.url), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${f.t.fleet.adminToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ tenant: 'fuzz', name }),
  });
  if (res.status !== 201) throw new Error(`minting an API key: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

/** How many times the fleet's node has been welcomed by the edge so far. */
function nodeConnects(): number {
  const nodeId = f.t.fleet.nodes[0]?.nodeId ?? '';
  return f.t.events(nodeId).filter((e) => e['event'] === 'edge.connected').length;
}

async function validChat(maxTokens: number, client: OpenAI = f.client): Promise<number> {
  const res = await client.chat.completions.create({
    model: f.t.fleet.info.models[0] ?? 'proxima-demo',
    messages: [{ role: 'user', content: 'Still there?' }],
    max_tokens: maxTokens,
  });
  return res.usage?.completion_tokens ?? 0;
}

/** Waits until a valid chat succeeds again (the node may have to reconnect first), up to `ms`. */
async function servesAgain(client: OpenAI, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await validChat(1, client).catch(() => 0)) > 0) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

describe('hostile HTTP requests against the edge', () => {
  let outcomes: Outcome[] = [];
  let connectsBefore = 0;
  let fuzzEnded = 0;
  const problems = (kind: Problem) => problemReport(outcomes, kind);

  it('sends every case with bounded concurrency and a timeout', async () => {
    const cases = hostileHttpCases(caseContext());
    connectsBefore = nodeConnects();
    const started = performance.now();
    outcomes = await mapLimit(cases, CONCURRENCY, async (c) =>
      judge(c, await sendRaw(f.t.fleet.info.url, c.request, REQUEST_TIMEOUT_MS)),
    );
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    fuzzEnded = Date.now();
    const ofOrigin = (origin: string) => outcomes.filter((o) => o.origin === origin);
    console.log(
      JSON.stringify(
        {
          fuzz: 'http',
          cases: outcomes.length,
          seconds,
          origin: tally(outcomes, (o) => o.origin),
          statusOurs: tally(ofOrigin('ours'), (o) => String(o.answer.status)),
          statusRuntime: tally(ofOrigin('runtime'), (o) => String(o.answer.status)),
          byCategory: tally(outcomes, (o) => `${o.case.category} ${o.origin}`),
          failing: tally(
            outcomes.flatMap((o) => o.problems),
            (p) => p.kind,
          ),
        },
        null,
        2,
      ),
    );
    expect(outcomes.length).toBeGreaterThanOrEqual(1800);
  }, 240_000);

  it('never hangs', () => {
    expect(problems('hang')).toBe('');
  });

  it('never answers 5xx from our code', () => {
    expect(problems('server-error')).toBe('');
  });

  it("answers every error of ours with OpenAI's error JSON: a message, a type, a code", () => {
    expect(problems('error-shape')).toBe('');
  });

  it('keeps every error message short: user input is quoted, not echoed', () => {
    expect(problems('long-message')).toBe('');
  });

  it('answers each hostile request with the 4xx the target sets (status, code, param)', () => {
    expect(problems('unexpected-answer')).toBe('');
  });

  it('lets well-formed HTTP reach our code: only malformed HTTP is answered by the runtime', () => {
    expect(problems('runtime-answered-well-formed')).toBe('');
  });

  it('still serves a valid chat afterwards, through the node that was there all along', async () => {
    // Past the edge's auth cache, so the registry and the failed-auth memory decide again.
    const wait = fuzzEnded + AUTH_CACHE_WAIT_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const tokens = await validChat(4).catch((err: unknown) => {
      throw new Error(
        `a valid chat with the fleet's own key, past the auth cache, failed: ${String(err)}`,
      );
    });
    expect(tokens).toBeGreaterThan(0);
    // The node never lost its connection to the edge during the fuzz.
    expect(nodeConnects()).toBe(connectsBefore);
  });

  it('refuses prompts the node cannot take with a 4xx, and the node keeps its connection', async () => {
    // Its own key and client address, so that nothing the cases above did to the fleet's key or
    // to the shared local address decides these answers.
    const apiKey = await freshApiKey('prompts');
    const address = '192.0.2.10';
    const client = new OpenAI({
      baseURL: `${f.t.fleet.info.url}/v1`,
      apiKey,
      maxRetries: 0,
      defaultHeaders: { 'cf-connecting-ip': address },
    });
    const failures: string[] = [];
    for (const c of oversizedPrompts(caseContext(apiKey, address))) {
      const before = nodeConnects();
      const answer = await sendRaw(f.t.fleet.info.url, c.request, 30_000);
      const outcome = judge(c, answer);
      // Let the node come back if it was dropped, so that each case is seen on its own.
      const back = await servesAgain(client, 20_000);
      const lost = nodeConnects() - before;
      const why = outcome.problems.map((p) => p.detail);
      if (lost > 0) why.push(`the node lost its connection (${lost} reconnect)`);
      if (!back) why.push('no valid chat succeeded within 20 s afterwards');
      console.log(`prompt case [${c.label}] -> ${describeAnswer(answer)} ${why.join('; ')}`);
      if (why.length > 0)
        failures.push(
          `[${c.label}] ${describeRequest(c)}\n  -> ${describeAnswer(answer)} (${why.join('; ')})`,
        );
    }
    expect(failures.join('\n')).toBe('');
  }, 150_000);
});
