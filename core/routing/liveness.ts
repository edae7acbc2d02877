/**
 * The sentinel's heartbeat rule for a node, with hysteresis: one late heartbeat makes a node
 * suspect at once, but it must then beat on time CLEAR_AFTER_ON_TIME times in a row to be
 * healthy again, so a node that is late every other beat does not flap between pools.
 * Pure: the caller passes the time and the node's heartbeat interval.
 */

export interface Liveness {
  readonly lastHeartbeatAt: number;
  readonly suspect: boolean;
  /** On-time heartbeats since the last late one (or since connecting). */
  readonly onTimeStreak: number;
}

/** No heartbeat for this many intervals → suspect. */
export const SUSPECT_AFTER_INTERVALS = 1.5;
/** No heartbeat for this many intervals → gone (treat as disconnected). */
export const GONE_AFTER_INTERVALS = 3;
/** A suspect node needs this many on-time heartbeats in a row to be healthy again. */
export const CLEAR_AFTER_ON_TIME = 2;

/** Just connected: healthy (the connection itself is the first sign of life). */
export function freshLiveness(now: number): Liveness {
  return { lastHeartbeatAt: now, suspect: false, onTimeStreak: 0 };
}

export function onHeartbeat(l: Liveness, now: number, intervalMs: number): Liveness {
  // A clock stepping back never moves lastHeartbeatAt backwards (that would make it look later).
  const at = Math.max(now, l.lastHeartbeatAt);
  const late = now - l.lastHeartbeatAt > SUSPECT_AFTER_INTERVALS * intervalMs;
  if (late) return { lastHeartbeatAt: at, suspect: true, onTimeStreak: 0 };
  const onTimeStreak = l.onTimeStreak + 1;
  return {
    lastHeartbeatAt: at,
    suspect: l.suspect && onTimeStreak < CLEAR_AFTER_ON_TIME,
    onTimeStreak,
  };
}

export type LivenessVerdict = 'healthy' | 'suspect' | 'gone';

/** The verdict at `now`; for a fixed state it only worsens as `now` grows. */
export function livenessAt(l: Liveness, now: number, intervalMs: number): LivenessVerdict {
  const silentMs = now - l.lastHeartbeatAt;
  if (silentMs > GONE_AFTER_INTERVALS * intervalMs) return 'gone';
  if (l.suspect || silentMs > SUSPECT_AFTER_INTERVALS * intervalMs) return 'suspect';
  return 'healthy';
}
