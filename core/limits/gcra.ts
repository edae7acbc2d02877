/**
 * The Generic Cell Rate Algorithm for "L per minute" limits. The whole state is one number, the
 * theoretical arrival time (TAT, ms since epoch): the moment the scope's debt would be paid off.
 * Each unit of cost adds one emission interval T = WINDOW_MS / L to it, and a cost is allowed
 * while the debt stays within one window, which allows a burst of L and then L per minute.
 */

export const WINDOW_MS = 60_000;

/**
 * Absorbs float rounding: a TAT near 1.8e12 ms has a resolution of about 0.25 µs, so a burst of
 * exactly L (say L = 7, T = 8571.43 ms) could otherwise be refused at 60000.0002 ms of debt.
 */
const EPSILON_MS = 1e-3;

export type GcraCheck =
  | { readonly ok: true; readonly tat: number }
  /** `retryAfterMs` is Infinity when the cost alone exceeds the limit: it can never pass. */
  | { readonly ok: false; readonly retryAfterMs: number };

export function emissionInterval(limit: number): number {
  return WINDOW_MS / limit;
}

/** Whether `cost` may pass at `now`, and the TAT that committing it leaves. Changes nothing. */
export function gcraCheck(tat: number, limit: number, cost: number, now: number): GcraCheck {
  if (cost > limit) return { ok: false, retryAfterMs: Infinity };
  const next = Math.max(tat, now) + cost * emissionInterval(limit);
  const over = next - now - WINDOW_MS;
  return over <= EPSILON_MS ? { ok: true, tat: next } : { ok: false, retryAfterMs: over };
}

/** Units of cost that would pass at `now`, from 0 to `limit`. */
export function gcraRemaining(tat: number, limit: number, now: number): number {
  const debt = Math.max(tat - now, 0);
  const room = Math.floor((WINDOW_MS - debt + EPSILON_MS) / emissionInterval(limit));
  return Math.min(limit, Math.max(0, room));
}

/** Milliseconds until the allowance is full again (0 when it is). */
export function gcraResetMs(tat: number, now: number): number {
  return Math.max(tat - now, 0);
}

/**
 * Reconciles after the fact: `deltaCost` (actual - estimated, possibly negative) moves the TAT by
 * deltaCost * T. A refund never takes the TAT below `now`, since a TAT in the past means "full"
 * whatever its value. An overshoot is not capped: tokens really used are owed, and the scope waits
 * longer than a window to pay them back.
 */
export function gcraAdjust(tat: number, limit: number, deltaCost: number, now: number): number {
  return Math.max(now, Math.max(tat, now) + deltaCost * emissionInterval(limit));
}
