// The numbers a text states, in one canonical spelling each, so "3" and "three", "1,000" and
// "1000", "50%" and "50 percent", "2nd" and "second" compare equal, while "2.1" and "2.1.0" do not.
import { MULTIPLIERS, NUMBER_WORDS, ORDINAL_WORDS } from './guard-words.ts';

const DIGITS = /\d+(?:[.,]\d+)*/gu;
const PERCENT_AFTER = /^\s*(?:%|percent(?![\p{L}\p{N}])|per cent(?![\p{L}\p{N}]))/u;
const ORDINAL_AFTER = /^(?:st|nd|rd|th)(?![\p{L}\p{N}])/u;
const THOUSANDS = /^\d{1,3}(?:,\d{3})+$/;

/** Leading zeros off plain integers ("007" = "7"); decimals and versions are kept as written. */
function canonicalDigits(raw: string): string {
  const plain = THOUSANDS.test(raw) ? raw.replaceAll(',', '') : raw;
  return /^\d+$/.test(plain) ? plain.replace(/^0+(?=\d)/, '') : plain;
}

/** Numbers written with digits, in a lower-cased text. */
function digitNumbers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(DIGITS)) {
    const start = m.index;
    const end = start + m[0].length;
    const value = canonicalDigits(m[0]);
    // A minus sign only where it cannot be a hyphen or a range ("-5", "(−5", not "x86-64", "3-5").
    const minus = text[start - 1] === '-' && (start === 1 || /[\s(=:[]/u.test(text[start - 2]!));
    const signed = minus ? `-${value}` : value;
    const rest = text.slice(end);
    if (PERCENT_AFTER.test(rest)) out.push(`${signed}%`);
    else if (/^\d+$/.test(value) && ORDINAL_AFTER.test(rest)) out.push(`#${value}`);
    else out.push(signed);
  }
  return out;
}

/**
 * Numbers written as words: runs like "twenty five" or "two hundred" become one value; "second"
 * (the ordinal) becomes #2. Every word of a run is read, so "twenty five" is 25, not 20 and 5.
 */
function wordNumbers(words: readonly string[]): string[] {
  const out: string[] = [];
  let total = 0;
  let current = 0;
  let inRun = false;
  const flush = (next: string | undefined): void => {
    if (!inRun) return;
    out.push(next === 'percent' ? `${total + current}%` : String(total + current));
    total = 0;
    current = 0;
    inRun = false;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const unit = NUMBER_WORDS.get(w);
    const mult = MULTIPLIERS.get(w);
    if (unit !== undefined) {
      // "twenty five" and "one hundred twenty" add up; "five twenty" is two numbers.
      const joins = current % 10 === 0 && (unit < 10 || current % 100 === 0);
      if (inRun && current !== 0 && !joins) flush(w);
      current += unit;
      inRun = true;
    } else if (mult !== undefined) {
      if (mult === 100) current = (current || 1) * 100;
      else {
        total += (current || 1) * mult;
        current = 0;
      }
      inRun = true;
    } else {
      flush(w);
      const ordinal = ORDINAL_WORDS.get(w);
      if (ordinal !== undefined) out.push(`#${ordinal}`);
    }
  }
  flush(undefined);
  return out;
}

/** Every number in the text, canonical; `words` are its lower-cased word tokens. */
export function numbersOf(lowerText: string, words: readonly string[]): string[] {
  return [...digitNumbers(lowerText), ...wordNumbers(words)];
}
