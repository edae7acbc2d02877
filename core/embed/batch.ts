import { checkInputs } from './check.ts';
import type { EmbedOptions, Embedder } from './embedder.ts';

/**
 * Embeds any number of texts: every input is checked first (so an error names its place in
 * `texts`, and nothing is spent on a request that will fail), then batches of `maxBatch` go
 * out one after another, which keeps one caller from flooding a remote embedder.
 */
export async function embedAll(
  embedder: Embedder,
  texts: readonly string[],
  options: EmbedOptions & { readonly param?: string } = {},
): Promise<Float32Array[]> {
  checkInputs(embedder, texts, options.param);
  const out: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += embedder.maxBatch) {
    const batch = texts.slice(start, start + embedder.maxBatch);
    const vectors = await embedder.embed(batch, options.signal ? { signal: options.signal } : {});
    out.push(...vectors);
  }
  return out;
}
