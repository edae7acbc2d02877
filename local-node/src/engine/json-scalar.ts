/** JSON value kinds as JSON Schema's `type` names them, and checks on single scalar values. */

export const KINDS = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'] as const;
export type Kind = (typeof KINDS)[number];

/** A scalar's narrowest kind: whole numbers are 'integer' (JSON Schema counts 1.0 as one too). */
export function scalarKind(v: string | number | boolean | null): Kind {
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'boolean' ? 'boolean' : 'string';
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS[month - 1] ?? 0);
  return day >= 1 && day <= days;
}

/** Times with a zone, as the grammar writes them (a strict subset of RFC 3339's full-time). */
function isTime(s: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i.test(s);
}

/** Whether `s` has one of the string formats the grammar enforces (date, time, date-time). */
export function matchesFormat(format: string, s: string): boolean {
  if (format === 'date') return isDate(s);
  if (format === 'time') return isTime(s);
  if (format === 'date-time') {
    const t = s.search(/[Tt]/);
    return t === 10 && isDate(s.slice(0, t)) && isTime(s.slice(t + 1));
  }
  return false;
}
