import { ProximaError } from '../protocol/errors.ts';
import type { UsageGroup, UsageQuery } from './types.ts';

const GROUPS: readonly UsageGroup[] = ['key', 'model', 'backend', 'hour'];
const DURATION = /^(\d{1,4})(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** Usage is kept about 400 days; a wider range asks for nothing that exists. */
export const USAGE_MAX_RANGE_MS = 400 * 86_400_000;

export interface UsageParams {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** "30m", "24h", "7d": from = to - since. */
  readonly since?: string | undefined;
  /** Comma-separated: key, model, backend, hour. */
  readonly groupBy?: string | undefined;
}

function bad(param: string, message: string): ProximaError {
  return new ProximaError('invalid_request', `Invalid '${param}': ${message}.`, { param });
}

/** A time as ISO 8601 or milliseconds since the epoch. */
function parseTime(param: string, value: string): number {
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms) || value.length > 40)
    throw bad(param, 'expected an ISO 8601 time or milliseconds since the epoch');
  return ms;
}

/** The usage query an admin asked for; by default the last 24 hours, ungrouped. `now` is injected. */
export function parseUsageParams(params: UsageParams, now: number): UsageQuery {
  const to = params.to === undefined ? now : parseTime('to', params.to);
  let from = to - UNIT_MS.d;
  if (params.since !== undefined && params.from !== undefined)
    throw bad('since', "send 'since' or 'from', not both");
  if (params.since !== undefined) {
    const match = DURATION.exec(params.since);
    if (!match) throw bad('since', 'expected a duration such as 30m, 24h or 7d');
    from = to - Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  } else if (params.from !== undefined) from = parseTime('from', params.from);
  if (from >= to) throw bad('from', "must be before 'to'");
  if (to - from > USAGE_MAX_RANGE_MS) throw bad('from', 'the range is longer than 400 days');
  const groupBy: UsageGroup[] = [];
  for (const part of (params.groupBy ?? '').split(',')) {
    if (part === '') continue;
    const group = GROUPS.find((g) => g === part);
    if (!group) throw bad('group_by', `expected some of ${GROUPS.join(', ')}`);
    if (!groupBy.includes(group)) groupBy.push(group);
  }
  return { from, to, groupBy };
}
