// The entries of an object literal in a Bicep file: each key and where its value starts and ends.
import type { BicepFile, Declaration } from './declarations.ts';
import { lineOf } from './scan.ts';

export interface Entry {
  readonly key: string;
  readonly line: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

const KEY = /^\s*([A-Za-z_][A-Za-z0-9_]*|'[^'\n]*')\s*:/;

/** The `{` that opens a resource's or module's body (for a loop, the body of each item). */
export function bodyOpen(file: BicepFile, decl: Declaration): number | undefined {
  const at = file.scanned.code.indexOf('{', decl.valueStart);
  return at === -1 || at >= decl.end ? undefined : at;
}

/** Entries of the object whose `{` is at `open`, at its own depth only. */
export function objectEntries(file: BicepFile, open: number): Entry[] {
  const { code, uncommented } = file.scanned;
  const entries: Entry[] = [];
  let current: { key: string; line: number; valueStart: number } | undefined;
  const close = (at: number): void => {
    if (current !== undefined) entries.push({ ...current, valueEnd: at });
    current = undefined;
  };
  let depth = 0;
  let entryMayStart = true;
  for (let i = open + 1; i < code.length; i++) {
    const c = code[i] ?? '';
    if (depth === 0 && entryMayStart) {
      const match = KEY.exec(code.slice(i, i + 200));
      if (match !== null) {
        close(i);
        const keyAt = i + match[0].indexOf(match[1] ?? '');
        const rawKey = uncommented.slice(keyAt, keyAt + (match[1] ?? '').length);
        current = {
          key: rawKey.replace(/^'|'$/g, ''),
          line: lineOf(file.source, keyAt),
          valueStart: i + match[0].length,
        };
        i += match[0].length - 1;
        entryMayStart = false;
        continue;
      }
    }
    if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') {
      if (depth === 0) {
        close(i);
        break;
      }
      depth--;
    }
    if (depth === 0 && (c === '\n' || c === ',')) {
      if (c === ',') close(i);
      entryMayStart = true;
    } else if (c !== ' ' && c !== '\t' && c !== '\r') entryMayStart = false;
  }
  return entries;
}

export function entryText(file: BicepFile, entry: Entry): string {
  return file.scanned.uncommented.slice(entry.valueStart, entry.valueEnd).trim();
}

/** The `{` opening an entry's value, when the value is an object. */
export function entryObject(file: BicepFile, entry: Entry): number | undefined {
  const text = file.scanned.code.slice(entry.valueStart, entry.valueEnd);
  const at = text.search(/\S/);
  return at !== -1 && text[at] === '{' ? entry.valueStart + at : undefined;
}
