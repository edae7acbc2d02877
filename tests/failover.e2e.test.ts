// Issue 9, real processes and real faults: the edge in workerd, five lanes of three counting nodes
// (the real agent, each its own process behind a TCP proxy) and an upstream stand-in. Each round
// cuts the backend of a stream mid-way — SIGKILL, SIGSTOP, a reset connection, a silent one, a
// slow or hung engine, an upstream cut, every backend of the model down — and every answer is
// checked token by token against the counting engine's known sequence (tests/failover/).
// The long version: npm run soak:failover -- --faults 1000. The figures: npm run bench:failover.
import { beforeAll, describe, expect, it } from 'vitest';
import { runFailover, type RunResult } from './failover/harness.ts';
import { misses, summarize, type Summary } from './failover/report.ts';
import { FAULT_KINDS } from './failover/round.ts';
import { harnessOptions, TEST_DEFAULTS } from './failover/settings.ts';

const FAULTS = 200;
/** Each kind comes up at least this often in 200 faults (its weight is ≥ 1 in 13). */
const MIN_PER_KIND = 5;

let result: RunResult;
let summary: Summary;

beforeAll(async () => {
  result = await runFailover({
    ...harnessOptions({ ...TEST_DEFAULTS, faults: FAULTS }),
    progress: (line) => {
      if (/^(fleet up|STRANDED)/.test(line)) console.log(line);
    },
  });
  summary = summarize(result);
  console.log(`failover e2e: ${JSON.stringify({ ...summary, first_problems: undefined })}`);
}, 15 * 60_000);

describe('failover under real faults', () => {
  it(`injects at least ${FAULTS} faults, and every kind of them`, () => {
    expect(summary.faults).toBeGreaterThanOrEqual(FAULTS);
    for (const kind of FAULT_KINDS)
      expect(summary.faults_by_kind[kind] ?? 0, kind).toBeGreaterThanOrEqual(MIN_PER_KIND);
    expect(summary.streams_failed_over).toBeGreaterThan(FAULTS / 2);
  });

  it('repeats no token and loses none', () => {
    expect({
      duplicated: summary.duplicated_tokens,
      lost: summary.lost_tokens,
      reordered: summary.reordered_tokens,
    }).toEqual({ duplicated: 0, lost: 0, reordered: 0 });
  });

  it('loses no request: each answer is whole and exact (one id, [DONE], usage), or an explicit error', () => {
    // No silent truncation, no hang, no second id, no wrong text, finish reason or usage.
    expect(summary.first_problems).toEqual([]);
    expect(summary.broken).toBe(0);
  });

  it('answers every request while a backend that can serve it is alive', () => {
    expect(misses(result)).toEqual([]);
    expect(summary.success_rate).toBe(1);
  });

  it('ends each request in an explicit error when every backend is down: a 503 or an error event', () => {
    expect(summary.explicit_errors_no_backend).toBe(summary.requests_no_backend);
    const whileDown = result.chats.filter((c) => c.role === 'while_down');
    expect(whileDown.length).toBe(summary.faults_by_kind['all_down']);
    for (const c of whileDown) expect(c.verdict.explicitError, JSON.stringify(c)).not.toBeNull();
    // Streams cut when every node died ended with an error event after their exact prefix.
    const cut = result.chats.filter((c) => c.kind === 'all_down' && c.affected && !c.verdict.ok);
    expect(cut.length).toBeGreaterThan(0);
  });

  it('carries a stream cut on an upstream over to a node, exactly', () => {
    const targets = result.chats.filter(
      (c) => c.kind === 'upstream' && c.role === 'target' && c.affected,
    );
    expect(targets.length).toBeGreaterThanOrEqual(MIN_PER_KIND);
    for (const c of targets) {
      expect(c.backend).toMatch(/^upstream:/);
      expect(c.verdict.ok, JSON.stringify(c.verdict)).toBe(true);
    }
  });

  it('lets a slow node finish its streams exactly', () => {
    const slow = result.chats.filter((c) => c.kind === 'slow' && c.affected);
    expect(slow.length).toBeGreaterThan(0);
    for (const c of slow) expect(c.verdict.ok, JSON.stringify(c.verdict)).toBe(true);
  });

  it("keeps the sentinel's view right: a silent node suspect, a dead one out, a live one listed", () => {
    for (const f of result.faults) {
      if (f.kind === 'stop' || f.kind === 'blackhole') {
        // Listed suspect while silent (unless two polls straddled the window: suspectSeen null).
        expect(f.suspectSeen, JSON.stringify(f)).not.toBe(false);
      }
      if (f.kind === 'kill' || f.kind === 'cut' || f.kind === 'stop' || f.kind === 'blackhole')
        expect(f.detectMs, JSON.stringify(f)).not.toBeNull();
    }
    // No node that is up, welcomed and beating is left out of the sentinel's view for good.
    expect(result.stranded).toEqual([]);
  });
});
