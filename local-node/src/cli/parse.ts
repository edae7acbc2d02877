import { ID_PATTERN, ID_RULE } from '@proxima/core/protocol';
import { InvalidArgumentError } from 'commander';

/** Flag parsers: a bad value stops the CLI with a message naming the flag's rule. */
export function intInRange(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got '${value}'.`);
    }
    return n;
  };
}

export function oneOf<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got '${value}'.`);
    }
    return value as T;
  };
}

export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected a URL such as http://127.0.0.1:8787, got '${value}'.`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new InvalidArgumentError(`expected an http(s) or ws(s) URL, got '${value}'.`);
  }
  return value;
}

export function nodeId(value: string): string {
  if (!ID_PATTERN.test(value))
    throw new InvalidArgumentError(`expected ${ID_RULE}, got '${value}'.`);
  return value;
}

/** A comma-separated list of non-empty items, each checked by `item`. */
export function commaList<T extends string>(
  item: (value: string) => T = (v) => v as T,
): (value: string) => T[] {
  return (value) => {
    const items = value.split(',').map((v) => v.trim());
    if (items.some((v) => v === ''))
      throw new InvalidArgumentError(`expected a comma-separated list, got '${value}'.`);
    return items.map(item);
  };
}

/** 'auto' or an integer in range. */
export function autoOrInt(min: number, max: number): (value: string) => number | 'auto' {
  const int = intInRange(min, max);
  return (value) => {
    if (value.trim() === 'auto') return 'auto';
    try {
      return int(value);
    } catch {
      throw new InvalidArgumentError(
        `expected 'auto' or an integer from ${min} to ${max}, got '${value}'.`,
      );
    }
  };
}
