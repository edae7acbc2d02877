/**
 * When a host hands proposals and reads to Raft: `sync`, at once, one Ready per call (the
 * behaviour before batching, kept as the benchmark's reference); or a window in ms (0: one turn of
 * the event loop, about 1.3 ms in workerd). A call made while no other is outstanding goes at once,
 * so a lone write waits for no timer and costs no timer event; calls made while others are
 * outstanding (concurrent callers) wait for the window and share one Ready. A microtask would batch
 * nothing: each RPC is its own event, and its microtasks run before the next one is delivered.
 */
export type Coalesce = 'sync' | number;

/** The most RAFT_BATCH_MS may hold a proposal back. */
const MAX_BATCH_MS = 100;

/**
 * Runs `flush` at once for a lone request, and once per window for requests that come while
 * others are outstanding. A flush from the timer that throws is reported to `failed`: a timer has
 * no caller to throw to.
 */
export class Coalescer {
  private readonly flush: () => void;
  private readonly schedule: Coalesce;
  private readonly failed: (err: unknown) => void;
  private waiting = false;

  constructor(flush: () => void, schedule: Coalesce, failed: (err: unknown) => void) {
    this.flush = flush;
    this.schedule = schedule;
    this.failed = failed;
  }

  /** `alone`: no other call of the caller's is outstanding, so nothing would join this one. */
  request(alone: boolean): void {
    if (this.schedule === 'sync' || (alone && !this.waiting)) {
      this.flush();
      return;
    }
    if (this.waiting) return;
    this.waiting = true;
    setTimeout(() => {
      this.waiting = false;
      try {
        this.flush();
      } catch (err) {
        this.failed(err);
      }
    }, this.schedule);
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
