/**
 * bench:dashboard — what open dashboards cost the fleet's traffic, and how soon the page shows
 * its first live frame. A real fleet (the edge in workerd, one node serving the demo model);
 * a short chat (max_tokens 1, one at a time) goes through auth, the router and the node. Its
 * latency is taken with no dashboard open and with 10 open (10 SSE streams with a logged-in
 * cookie, every frame read), in interleaved rounds (ABBA) so machine noise hits both alike.
 * Then Chromium loads the page 5 times, each from a cold cache: navigation to the first live
 * frame drawn. Final stdout line: JSON.
 */
import { DASHBOARD_PATHS } from '@proxima/core/dashboard';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startFleet, type Fleet } from '../../local-node/src/dev/fleet.ts';
import { runLoad } from '../gateway/load.ts';
import { percentile, round } from '../gateway/stats.ts';
import { measureFirstPaint } from './first-paint.ts';
import { dashboardCookie } from './login.ts';
import { openViewers } from './viewers.ts';

const ROUNDS = Number(process.env['BENCH_DASH_ROUNDS'] ?? 8);
const PER_BATCH = Number(process.env['BENCH_DASH_PER_BATCH'] ?? 300);
const WARMUP = 40;
const DASHBOARDS = 10;
const PAINT_SAMPLES = 5;
const MODEL = 'proxima-demo';

const started = performance.now();
const stateDir = await mkdtemp(join(tmpdir(), 'proxima-bench-dashboard-'));
let fleet: Fleet | undefined;
try {
  fleet = await startFleet({ stateDir, port: 0, nodes: 1 });
  const { url, apiKey } = fleet.info;
  const body = JSON.stringify({
    model: MODEL,
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 1,
  });
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const chat = () => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body });
  const cookie = await dashboardCookie(url, fleet.adminToken);

  await runLoad(WARMUP, 1, chat);
  const alone: number[] = [];
  const watched: number[] = [];
  let errors = 0;
  let frames = 0;
  const batch = async (dashboards: number) => {
    const viewers = dashboards === 0 ? null : await openViewers(url, cookie, dashboards);
    try {
      const result = await runLoad(PER_BATCH, 1, chat);
      errors += result.errors;
      (dashboards === 0 ? alone : watched).push(...result.latenciesMs);
    } finally {
      frames += viewers?.frames() ?? 0;
      await viewers?.close();
    }
  };
  for (let r = 0; r < ROUNDS; r++) {
    // ABBA: each kind goes first in half the rounds.
    const order = r % 2 === 0 ? [0, DASHBOARDS] : [DASHBOARDS, 0];
    for (const n of order) await batch(n);
  }
  if (errors > 0) throw new Error(`${errors} chat requests failed`);

  const paint = await measureFirstPaint(url, fleet.adminToken, PAINT_SAMPLES);
  const p = (xs: number[], q: number) => round(percentile(xs, q));
  const result = {
    measured:
      'POST /v1/chat/completions (proxima-demo, max_tokens 1, one at a time) through auth, the router and one node',
    dashboards: `${DASHBOARDS} SSE streams of ${DASHBOARD_PATHS.stream} with a logged-in cookie, every frame read`,
    p50_ms_no_dashboard: p(alone, 50),
    p99_ms_no_dashboard: p(alone, 99),
    p50_ms_10_dashboards: p(watched, 50),
    p99_ms_10_dashboards: p(watched, 99),
    p99_ratio: round(percentile(watched, 99) / percentile(alone, 99)),
    p50_ratio: round(percentile(watched, 50) / percentile(alone, 50)),
    samples_no_dashboard: alone.length,
    samples_10_dashboards: watched.length,
    rounds: ROUNDS,
    frames_read: frames,
    first_paint_ms: paint.ok ? round(percentile([...paint.samplesMs], 50), 1) : null,
    first_paint_samples_ms: paint.ok ? paint.samplesMs.map((ms) => round(ms, 1)) : [],
    first_paint_what:
      'Chromium, cold cache, logged in: navigation start to the Overview showing its first live request total (median)',
    ...(paint.ok ? {} : { first_paint_reason: paint.reason }),
    seconds: round((performance.now() - started) / 1000, 1),
  };
  console.log(
    `chat p50/p99: ${result.p50_ms_no_dashboard}/${result.p99_ms_no_dashboard} ms alone, ` +
      `${result.p50_ms_10_dashboards}/${result.p99_ms_10_dashboards} ms with ${DASHBOARDS} dashboards; ` +
      `first paint ${result.first_paint_ms ?? 'n/a'} ms`,
  );
  console.log(JSON.stringify(result));
} finally {
  await fleet?.stop();
  await rm(stateDir, { recursive: true, force: true });
}
