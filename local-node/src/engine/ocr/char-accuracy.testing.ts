/** Character accuracy of recognized text: 1 − edit distance / expected length. */

/** Levenshtein distance over code points. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitute = previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1);
      row.push(Math.min(substitute, previous[j]! + 1, row[j - 1]! + 1));
    }
    previous = row;
  }
  return previous[y.length]!;
}

export function charAccuracy(expected: string, actual: string): number {
  const n = [...expected].length;
  return n === 0 ? (actual === '' ? 1 : 0) : Math.max(0, 1 - editDistance(expected, actual) / n);
}
