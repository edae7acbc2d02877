// The exact-match key of a prompt. Deliberately minimal: Unicode compatibility forms, surrounding
// and repeated whitespace. Case and punctuation can change meaning ("US" vs "us", "Let's eat,
// Grandma"), so those differences go to the semantic path, where the near-miss guard judges them.

/** NFKC, trimmed, every run of whitespace collapsed to one space. */
export function exactKey(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/gu, ' ');
}
