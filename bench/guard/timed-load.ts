import { performance } from 'node:perf_hooks';

/** One answered request; times are performance.now() milliseconds of this process. */
export interface Sample {
  readonly sentMs: number;
  readonly doneMs: number;
  readonly status: number;
}

export interface TimedLoadOptions {
  /** No request is sent after this long. */
  readonly durationMs: number;
  /** Nor more than this many in all. */
  readonly maxRequests: number;
  readonly concurrency: number;
  readonly send: () => Promise<Response>;
  /** Sees every answer with its headers and body, e.g. to check a 429's shape. */
  readonly observe?: (res: Response, body: string, sample: Sample) => void;
}

export interface TimedLoadResult {
  readonly samples: Sample[];
  /** Requests that got no HTTP answer at all. */
  readonly networkErrors: number;
  readonly seconds: number;
}

/**
 * Sends requests from `concurrency` workers until `durationMs` has passed or `maxRequests` were
 * sent, keeping every answer whatever its status (the gateway bench's runLoad counts only 2xx,
 * by request count; the guard bench needs time bounds and the refusals too).
 */
export async function runTimed(options: TimedLoadOptions): Promise<TimedLoadResult> {
  const samples: Sample[] = [];
  let networkErrors = 0;
  let issued = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async () => {
    while (issued < options.maxRequests && performance.now() < deadline) {
      issued++;
      const sentMs = performance.now();
      try {
        const res = await options.send();
        const body = await res.text();
        const sample: Sample = { sentMs, doneMs: performance.now(), status: res.status };
        samples.push(sample);
        options.observe?.(res, body, sample);
      } catch {
        networkErrors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { samples, networkErrors, seconds: (performance.now() - started) / 1000 };
}

/** How many samples had each status, e.g. {"401": 30, "429": 9120}. */
export function countStatuses(samples: readonly Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) out[s.status] = (out[s.status] ?? 0) + 1;
  return out;
}

export function latencies(samples: readonly Sample[]): number[] {
  return samples.map((s) => s.doneMs - s.sentMs);
}
