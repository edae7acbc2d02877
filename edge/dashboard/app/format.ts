// How numbers, sizes, ages and times read on the page.

const counts = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const rates = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export function formatCount(n: number): string {
  return counts.format(n);
}

export function formatRate(n: number | null): string {
  return n === null ? '–' : rates.format(n);
}

export function formatMs(ms: number | null): string {
  return ms === null ? 'no requests' : `${rates.format(ms)} ms`;
}

export function formatPercent(p: number | null): string {
  return p === null ? 'no lookups' : `${rates.format(p)} %`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'not reported';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${rates.format(value)} ${UNITS[unit] ?? 'B'}`;
}

export function formatAge(ms: number): string {
  if (ms < 1000) return `${counts.format(ms)} ms ago`;
  if (ms < 120_000) return `${rates.format(ms / 1000)} s ago`;
  return `${counts.format(ms / 60_000)} min ago`;
}

/** Local date and time to the second. */
export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString('en-GB', { hour12: false });
}

/** The last value that is not null, or null. */
export function latest(values: readonly (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== undefined && v !== null) return v;
  }
  return null;
}

/** The largest value that is not null, or null. */
export function peak(values: readonly (number | null)[]): number | null {
  let best: number | null = null;
  for (const v of values) if (v !== null && (best === null || v > best)) best = v;
  return best;
}
