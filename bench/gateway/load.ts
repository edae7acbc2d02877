import { performance } from 'node:perf_hooks';

export interface LoadResult {
  readonly latenciesMs: number[];
  readonly rps: number;
  readonly errors: number;
}

/** Sends `total` requests from `concurrency` workers; each request must return a 2xx and its body. */
export async function runLoad(
  total: number,
  concurrency: number,
  send: () => Promise<Response>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < total) {
      issued++;
      const t0 = performance.now();
      try {
        const res = await send();
        await res.arrayBuffer();
        if (res.ok) latenciesMs.push(performance.now() - t0);
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { latenciesMs, rps: latenciesMs.length / seconds, errors };
}
