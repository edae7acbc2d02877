/**
 * When a host hands proposals and reads to Raft: `sync`, at once, one Ready per call (the
 * behaviour before batching, kept as the benchmark's reference); or a window in ms (0: one turn of
 * the event loop, about 1.3 ms in workerd). The first call in a quiet period goes at once, so a
 * lone write waits for no timer; calls that arrive while its window is open share the next Ready,
 * and the window stays open while calls keep coming. A microtask would batch nothing: each RPC is
 * its own event, and its microtasks run before the next one is delivered.
 */
export type Coalesce = 'sync' | number;

/** The most RAFT_BATCH_MS may hold a proposal back. */
const MAX_BATCH_MS = 100;

/**
 * Runs `flush` for the first request, then once per window for the requests made during it. A
 * flush from the timer that throws is reported to `failed`: a timer has no caller to throw to.
 */
export class Coalescer {
  private readonly flush: () => void;
  private readonly schedule: Coalesce;
  private readonly failed: (err: unknown) => void;
  private open = false;
  private queued = false;

  constructor(flush: () => void, schedule: Coalesce, failed: (err: unknown) => void) {
    this.flush = flush;
    this.schedule = schedule;
    this.failed = failed;
  }

  request(): void {
    if (this.schedule === 'sync') {
      this.flush();
      return;
    }
    if (this.open) {
      this.queued = true;
      return;
    }
    this.flush();
    this.openWindow(this.schedule);
  }

  private openWindow(ms: number): void {
    this.open = true;
    setTimeout(() => {
      if (!this.queued) {
        this.open = false;
        return;
      }
      this.queued = false;
      this.openWindow(ms);
      try {
        this.flush();
      } catch (err) {
        this.failed(err);
      }
    }, ms);
  }
}

/** RAFT_BATCH_MS: "off", or a window in ms in [0, 100]; unset means 0. */
export function parseCoalesce(value: string | undefined): Coalesce {
  if (value === undefined || value === '') return 0;
  if (value === 'off') return 'sync';
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_BATCH_MS)
    throw new Error(
      `RAFT_BATCH_MS ${JSON.stringify(value)} must be "off" or an integer in [0, ${MAX_BATCH_MS}]`,
    );
  return ms;
}
