// node wasm/bench/toolchain.ts — the measurement behind docs/design/0020-wasm-toolchain.md: the same
// 768-d f32 dot built by AssemblyScript (the project build) and by clang + lld (when installed),
// timed on resident data against the TS reference. Prints a final JSON line.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { referenceKernels } from '../src/reference.ts';
import { KERNELS_WASM_URL } from '../src/node.ts';
import { wasmApi } from '../src/wasm-api.ts';
import { nsPerOp } from './timing.ts';

type Dot = (a: number, b: number, n: number) => number;
const DIM = 768;
const a = Float32Array.from({ length: DIM }, (_, i) => Math.sin(i));
const b = Float32Array.from({ length: DIM }, (_, i) => Math.cos(i * 0.3));

/** Instantiates a build and returns a timed call on resident data (no copy-in). */
function residentDot(
  bytes: Uint8Array,
  importMemory: boolean,
): { call: () => number; value: number } {
  const memory = new wasmApi.Memory({ initial: 4, maximum: 4 });
  const inst = new wasmApi.Instance(
    new wasmApi.Module(bytes),
    importMemory ? { env: { memory } } : {},
  );
  const exp = inst.exports as { dot_f32: Dot; memory?: typeof memory };
  const mem = importMemory ? memory : exp.memory!;
  const view = new Float32Array(mem.buffer);
  view.set(a, 65536 / 4);
  view.set(b, 98304 / 4);
  return { call: () => exp.dot_f32(65536, 98304, DIM), value: exp.dot_f32(65536, 98304, DIM) };
}

/** The machine is shared: interleave the contenders over rounds and keep each one's best median. */
function race(calls: Record<string, () => unknown>, rounds = 5): Record<string, number> {
  const best: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, call] of Object.entries(calls)) {
      best[name] = Math.min(best[name] ?? Infinity, nsPerOp(call, 100));
    }
  }
  return best;
}

const as = residentDot(readFileSync(KERNELS_WASM_URL), true);
const calls: Record<string, () => unknown> = {
  ts: () => referenceKernels.dotF32(a, b),
  assemblyscript: as.call,
};
let clangBuildMs: number | null = null;
let clangValue: number | null = null;
const cc = ['clang-14', 'clang'].find((c) => {
  try {
    execFileSync(c, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (cc) {
  const out = new URL('../build/toolchain-dot-clang.wasm', import.meta.url);
  mkdirSync(new URL('../build/', import.meta.url), { recursive: true });
  const src = new URL('./toolchain/dot.c', import.meta.url).pathname;
  const t = performance.now();
  execFileSync(cc, [
    '--target=wasm32',
    '-msimd128',
    '-O3',
    '-nostdlib',
    '-fuse-ld=lld',
    '-Wl,--no-entry',
    '-o',
    out.pathname,
    src,
  ]);
  clangBuildMs = performance.now() - t;
  if (existsSync(out)) {
    const c = residentDot(readFileSync(out), false);
    calls['clang'] = c.call;
    clangValue = c.value;
  }
} else {
  console.log('clang not installed (apt-get install -y clang-14 lld-14 to compare)');
}
const ns = race(calls);
const ts = ns['ts']!;
console.log(`TS reference          ${ts.toFixed(1)} ns`);
console.log(
  `AssemblyScript simd   ${ns['assemblyscript']!.toFixed(1)} ns  (${(ts / ns['assemblyscript']!).toFixed(1)}×)`,
);
if (ns['clang'] !== undefined) {
  console.log(
    `clang (${cc}) simd    ${ns['clang'].toFixed(1)} ns  (${(ts / ns['clang']).toFixed(1)}×), build ${clangBuildMs!.toFixed(0)} ms`,
  );
}
console.log(
  JSON.stringify({
    dim: DIM,
    ts_ns: Math.round(ts * 10) / 10,
    assemblyscript_ns: Math.round(ns['assemblyscript']! * 10) / 10,
    clang_ns: ns['clang'] !== undefined ? Math.round(ns['clang'] * 10) / 10 : null,
    agree: clangValue === null ? null : Math.abs(clangValue - as.value) < 1e-3,
  }),
);
