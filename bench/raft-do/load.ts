/**
 * Timed RPC loops. Only the RPC is timed: whether an answer was a success is read afterwards,
 * because reading a field of a Miniflare proxy blocks Node on a round trip to workerd. CPU is
 * counted per kind: workerd's (all three peers and Miniflare's proxy run in it) and this
 * process's (Miniflare's proxy client).
 */
import { performance } from 'node:perf_hooks';
import { childPids, cpuSeconds } from '../gateway/proc-cpu.ts';

/** One kind of call: `call(i)` sends the i-th, `ok` judges its answer (outside the timing). */
export interface Kind<T> {
  readonly name: string;
  readonly call: (i: number) => Promise<T>;
  readonly ok: (answer: T) => boolean;
}

export interface Samples {
  /** Latencies of the successful calls, ms. */
  readonly latenciesMs: number[];
  errors: number;
  /** CPU used while these calls ran, ms (/proc ticks are 10 ms: meaningful over many calls). */
  workerdCpuMs: number;
  nodeCpuMs: number;
  /** Wall time over which that CPU was counted, ms. */
  wallMs: number;
}

/** CPU used so far by the workerd processes running now and by this process, ms. */
export function cpuMeter(): () => { workerd: number; node: number } {
  const workerd = childPids(process.pid, 'workerd');
  if (workerd.length === 0) throw new Error('no workerd process found under this one');
  return () => {
    const own = process.cpuUsage();
    return {
      workerd: workerd.reduce((sum, pid) => sum + cpuSeconds(pid) * 1000, 0),
      node: (own.user + own.system) / 1000,
    };
  };
}

function empty(): Samples {
  return { latenciesMs: [], errors: 0, workerdCpuMs: 0, nodeCpuMs: 0, wallMs: 0 };
}

/**
 * `rounds` rounds of `perRound` sequential calls of each kind, the kinds taking turns (their
 * order rotating by round), so every kind sees the same drift of a shared machine. A block's
 * answers are judged after its CPU is read, so the CPU is the calls' own.
 */
export async function interleaved(
  kinds: ReadonlyArray<Kind<unknown>>,
  rounds: number,
  perRound: number,
  cpu: () => { workerd: number; node: number },
): Promise<Map<string, Samples>> {
  const out = new Map<string, Samples>(kinds.map((k) => [k.name, empty()]));
  let i = 0;
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(r + k) % kinds.length];
      const into = kind && out.get(kind.name);
      if (!kind || !into) continue;
      const answers: Array<{ ms: number; answer: unknown }> = [];
      const before = cpu();
      const started = performance.now();
      for (let n = 0; n < perRound; n++) {
        const t0 = performance.now();
        const answer = await kind.call(i++).catch(() => null);
        answers.push({ ms: performance.now() - t0, answer });
      }
      const after = cpu();
      into.wallMs += performance.now() - started;
      into.workerdCpuMs += after.workerd - before.workerd;
      into.nodeCpuMs += after.node - before.node;
      judge(kind, answers, into);
    }
  }
  return out;
}

/** Sorts answers into latencies of successes and a count of failures (reads proxy fields). */
function judge<T>(
  kind: Kind<T>,
  answers: ReadonlyArray<{ ms: number; answer: T | null }>,
  into: Samples,
): void {
  for (const { ms, answer } of answers) {
    if (answer !== null && kind.ok(answer)) into.latenciesMs.push(ms);
    else into.errors++;
  }
}

export interface ConcurrentResult extends Samples {
  readonly sent: number;
  /** Wall time of the load, s (the checks of the answers come after it). */
  readonly seconds: number;
}

/**
 * `concurrency` workers call until `maxCalls` were sent or `maxMs` passed. The answers are kept
 * and judged after the load, so no worker blocks Node while the others wait.
 */
export async function concurrent<T>(
  kind: Kind<T>,
  options: { concurrency: number; maxCalls: number; maxMs: number },
  cpu: () => { workerd: number; node: number },
): Promise<ConcurrentResult> {
  const answers: Array<{ ms: number; answer: T | null }> = [];
  let sent = 0;
  const before = cpu();
  const started = performance.now();
  const deadline = started + options.maxMs;
  const worker = async () => {
    while (sent < options.maxCalls && performance.now() < deadline) {
      const i = sent++;
      const t0 = performance.now();
      const answer = await kind.call(i).catch(() => null);
      answers.push({ ms: performance.now() - t0, answer });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const after = cpu();
  const result: ConcurrentResult = {
    ...empty(),
    workerdCpuMs: after.workerd - before.workerd,
    nodeCpuMs: after.node - before.node,
    wallMs: seconds * 1000,
    sent,
    seconds,
  };
  judge(kind, answers, result);
  return result;
}
