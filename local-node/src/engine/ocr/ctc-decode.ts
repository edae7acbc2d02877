/** Greedy CTC decoding of a recognition model's per-step class probabilities. */

export interface DecodedText {
  readonly text: string;
  /** Mean probability of the kept characters, 0..1; 0 when none was kept. */
  readonly confidence: number;
  /** Characters kept, for weighting confidences when lines are joined. */
  readonly characters: number;
}

/**
 * Decodes one sequence: `probs` holds `steps` rows of `classes` probabilities starting at
 * `offset`. Class 0 is the CTC blank; class i > 0 is `alphabet[i - 1]`. A class repeated on
 * consecutive steps is one character (a blank between two equal classes makes two).
 */
export function ctcDecode(
  probs: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  alphabet: readonly string[],
): DecodedText {
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let step = 0; step < steps; step++) {
    const row = offset + step * classes;
    let best = 0;
    let bestProb = probs[row]!;
    for (let c = 1; c < classes; c++) {
      const p = probs[row + c]!;
      if (p > bestProb) {
        best = c;
        bestProb = p;
      }
    }
    if (best !== 0 && best !== previous) {
      text += alphabet[best - 1] ?? '';
      sum += bestProb;
      kept++;
    }
    previous = best;
  }
  return { text, confidence: kept === 0 ? 0 : sum / kept, characters: kept };
}
