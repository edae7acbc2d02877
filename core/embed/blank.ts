import { checkEmbeddings, isBlank } from './check.ts';

/**
 * For embedders that cannot take blank text (Workers AI and OpenAI refuse an empty string): sends
 * only the non-blank texts, checks the answer (checkEmbeddings), and gives the blank ones the zero
 * vector, in the caller's order.
 */
export async function embedNonBlank(
  texts: readonly string[],
  embedder: { readonly id: string; readonly dim: number },
  embed: (nonBlank: string[]) => Promise<readonly ArrayLike<number>[]>,
): Promise<Float32Array[]> {
  const nonBlank = texts.filter((t) => !isBlank(t));
  const answered = nonBlank.length === 0 ? [] : await embed(nonBlank);
  const vectors = checkEmbeddings(answered, nonBlank.length, embedder.dim, embedder.id);
  let next = 0;
  return texts.map((t) => (isBlank(t) ? new Float32Array(embedder.dim) : vectors[next++]!));
}
