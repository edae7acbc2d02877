/**
 * Counts failures (bad API keys, refused node connects) per client address in fixed windows, so
 * an address that keeps failing is turned away before any lookup. Bounded: the oldest address is
 * forgotten first. Pure: the caller passes the time.
 */
export interface FailureCounterOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly maxEntries: number;
}

export const DEFAULT_FAILURE_LIMIT: FailureCounterOptions = {
  maxFailures: 30,
  windowMs: 60_000,
  maxEntries: 10_000,
};

interface Window {
  readonly start: number;
  failures: number;
}

export class FailureCounter {
  private readonly windows = new Map<string, Window>();
  private readonly options: FailureCounterOptions;

  constructor(options: FailureCounterOptions = DEFAULT_FAILURE_LIMIT) {
    this.options = options;
  }

  /** Milliseconds until `address` may try again, or 0 when it may now. */
  blockedFor(address: string, now: number): number {
    const window = this.current(address, now);
    if (!window || window.failures < this.options.maxFailures) return 0;
    return window.start + this.options.windowMs - now;
  }

  recordFailure(address: string, now: number): void {
    const window = this.current(address, now);
    if (window) {
      window.failures++;
      return;
    }
    if (this.windows.size >= this.options.maxEntries) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
    this.windows.set(address, { start: now, failures: 1 });
  }

  get size(): number {
    return this.windows.size;
  }

  private current(address: string, now: number): Window | undefined {
    const window = this.windows.get(address);
    if (window && now - window.start >= this.options.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }
}
