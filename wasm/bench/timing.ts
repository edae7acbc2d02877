// Small timing helpers for the benches (not tests: timings never gate CI).

/**
 * Median ns per call over several timed rounds, after a warm-up. Rounds are timed in CPU time of
 * this process (see stopwatch below): the machine is shared, and wall time would charge us for
 * other jobs' time slices.
 */
export function nsPerOp(fn: () => unknown, minMs = 150, rounds = 5): number {
  let sink = 0;
  const consume = (x: unknown): void => {
    if (typeof x === 'number') sink += x;
  };
  // Warm up and size the inner loop to ~minMs.
  let iters = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < iters; i++) consume(fn());
    const dt = performance.now() - t;
    if (dt > minMs / 4) {
      iters = Math.max(1, Math.round((iters * minMs) / dt));
      break;
    }
    iters *= 4;
  }
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const lap = stopwatch();
    for (let i = 0; i < iters; i++) consume(fn());
    samples.push((lap().cpu * 1e9) / iters);
  }
  samples.sort((a, b) => a - b);
  if (sink === Number.MIN_VALUE) console.log(''); // keep results observable
  return samples[Math.floor(samples.length / 2)]!;
}

export function fmt(n: number, digits = 1): string {
  return n >= 1000 ? n.toFixed(0) : n.toFixed(digits);
}

/**
 * A stopwatch for throughput on a shared machine: CPU seconds of this process (user + system) next
 * to wall seconds. The searches compared here are single-threaded and synchronous, so CPU time is
 * what they cost even when other jobs compete for the cores.
 */
export function stopwatch(): () => { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  return () => {
    const c = process.cpuUsage(c0);
    return { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - w0) / 1000 };
  };
}
