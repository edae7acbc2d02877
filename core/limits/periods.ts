/**
 * UTC calendar periods for token budgets and usage buckets, from epoch milliseconds. Pure
 * arithmetic (no Date object: core/ reads no clock, and this keeps it obviously so).
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

interface Civil {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  /** 1-31 */
  readonly day: number;
}

/** Howard Hinnant's civil_from_days: the proleptic Gregorian date of a day count since 1970-01-01. */
function civilFromDays(days: number): Civil {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function civil(ms: number): Civil {
  return civilFromDays(Math.floor(ms / DAY_MS));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** "2026-11-30" */
export function dayKey(ms: number): string {
  const c = civil(ms);
  return `${pad(c.year, 4)}-${pad(c.month, 2)}-${pad(c.day, 2)}`;
}

/** "2026-11" */
export function monthKey(ms: number): string {
  const c = civil(ms);
  return `${pad(c.year, 4)}-${pad(c.month, 2)}`;
}

/** Epoch ms at which the UTC day containing `ms` ends (the next midnight). */
export function dayEndMs(ms: number): number {
  return (Math.floor(ms / DAY_MS) + 1) * DAY_MS;
}

/** Epoch ms at which the UTC month containing `ms` ends (the 1st of the next month, 00:00). */
export function monthEndMs(ms: number): number {
  const c = civil(ms);
  // Date.UTC takes a 0-based month, so passing the 1-based one names the next month (13 rolls over).
  return Date.UTC(c.year, c.month, 1);
}

/** Start of the UTC hour containing `ms`: the usage bucket it falls in. */
export function hourStartMs(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}
