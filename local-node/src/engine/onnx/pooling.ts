/** From a model's token vectors to one vector per text, and the final shortening and scaling. */

export const POOLINGS = ['mean', 'cls', 'last'] as const;
export type Pooling = (typeof POOLINGS)[number];

/** sentence-transformers' 1_Pooling/config.json flags, in the order we honour them. */
const CONFIG_FLAGS: readonly (readonly [string, Pooling])[] = [
  ['pooling_mode_mean_tokens', 'mean'],
  ['pooling_mode_cls_token', 'cls'],
  ['pooling_mode_lasttoken', 'last'],
];

/** The pooling a sentence-transformers config asks for; an Error for modes we do not do. */
export function poolingFromConfig(config: Record<string, unknown>): Pooling {
  for (const [flag, pooling] of CONFIG_FLAGS) if (config[flag] === true) return pooling;
  const asked = Object.keys(config).filter(
    (k) => k.startsWith('pooling_mode') && config[k] === true,
  );
  throw new Error(
    `1_Pooling/config.json asks for ${asked.join(', ') || 'no pooling mode'}; supported: ${POOLINGS.join(', ')} (set pooling to override)`,
  );
}

/**
 * One vector per row of `hidden` ([batch, seq, dim], row-major), pooled over the positions
 * `mask` ([batch, seq]) keeps: their mean, the first one (CLS), or the last one.
 */
export function poolTokens(
  hidden: Float32Array,
  mask: ArrayLike<number>,
  batch: number,
  seq: number,
  dim: number,
  pooling: Pooling,
): Float32Array[] {
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const vector = new Float32Array(dim);
    const rowAt = (t: number) => (b * seq + t) * dim;
    if (pooling === 'cls') {
      vector.set(hidden.subarray(rowAt(0), rowAt(0) + dim));
    } else if (pooling === 'last') {
      let last = 0;
      for (let t = 0; t < seq; t++) if (mask[b * seq + t] !== 0) last = t;
      vector.set(hidden.subarray(rowAt(last), rowAt(last) + dim));
    } else {
      // Sums in double precision, then one rounding to float32.
      const sum = new Float64Array(dim);
      let count = 0;
      for (let t = 0; t < seq; t++) {
        if (mask[b * seq + t] === 0) continue;
        count++;
        const row = rowAt(t);
        for (let d = 0; d < dim; d++) sum[d]! += hidden[row + d]!;
      }
      for (let d = 0; d < dim; d++) vector[d] = count === 0 ? 0 : sum[d]! / count;
    }
    out.push(vector);
  }
  return out;
}

/** Rows of a [batch, dim] output that the model pooled itself. */
export function splitRows(data: Float32Array, batch: number, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) out.push(data.slice(b * dim, (b + 1) * dim));
  return out;
}
