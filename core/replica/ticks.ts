/**
 * How many Raft ticks an alarm owes. Alarms are at-least-once and can be late by up to a minute
 * during a failover, so a late alarm catches up at most `maxCatchUp` ticks (ticking a follower
 * through a minute at once would start an election that no silence caused), and a duplicate or
 * early alarm owes none. Pure: the caller passes the time.
 */
export function ticksDue(
  lastTickAt: number,
  now: number,
  tickMs: number,
  maxCatchUp: number,
): { readonly ticks: number; readonly lastTickAt: number; readonly nextAt: number } {
  if (now < lastTickAt + tickMs) return { ticks: 0, lastTickAt, nextAt: lastTickAt + tickMs };
  const owed = Math.floor((now - lastTickAt) / tickMs);
  const ticks = Math.min(owed, maxCatchUp);
  const last = owed > maxCatchUp ? now : lastTickAt + owed * tickMs;
  return { ticks, lastTickAt: last, nextAt: last + tickMs };
}
