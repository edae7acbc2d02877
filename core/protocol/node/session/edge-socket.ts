/**
 * The edge's side of one node connection, as rules: when a hello is accepted, which chunk frames
 * count, which deadline is due, whether the node takes a new job. Pure: the NodeSession Durable
 * Object keeps the state (its socket attachment and job table), passes the time in, and does
 * what these say. The node's side is node-jobs.ts; the two meet in the node-peer contract suite.
 */
import { GONE_AFTER_INTERVALS, SUSPECT_AFTER_INTERVALS } from '../../../routing/liveness.ts';
import { CLOSE } from '../close-codes.ts';
import { NODE_PROTOCOL_VERSION, type Hello } from '../messages.ts';

export interface SessionTiming {
  readonly heartbeatMs: number;
  readonly helloTimeoutMs: number;
  /** A job whose node sends nothing for this long fails as upstream_timeout. */
  readonly jobIdleMs: number;
}

/** What the rules need to know of a socket. */
export interface EdgeSocketView {
  readonly connectedAt: number;
  /** The last frame of any kind: a node streaming chunks is alive even if a heartbeat is late. */
  readonly lastSeen: number;
  readonly helloed: boolean;
  readonly draining: boolean;
  /** Already found silent (its jobs were failed over); cleared by its next frame. */
  readonly stalled: boolean;
}

export type Refusal = { readonly ok: false; readonly code: number; readonly reason: string };

/** A hello is accepted once, in our protocol version, for the node the token named. */
export function helloVerdict(
  view: Pick<EdgeSocketView, 'helloed'>,
  socketNodeId: string,
  hello: Hello,
): { readonly ok: true } | Refusal {
  if (view.helloed) return { ok: false, code: CLOSE.malformed, reason: 'hello sent twice' };
  if (hello.protocol !== NODE_PROTOCOL_VERSION) {
    return {
      ok: false,
      code: CLOSE.unsupportedProtocol,
      reason: `protocol ${hello.protocol} unsupported; the edge speaks ${NODE_PROTOCOL_VERSION}`,
    };
  }
  if (hello.nodeId !== socketNodeId) {
    return {
      ok: false,
      code: CLOSE.malformed,
      reason: `hello nodeId ${hello.nodeId} does not match ${socketNodeId}`,
    };
  }
  return { ok: true };
}

/** Before hello, only hello. */
export function beforeHelloVerdict(type: string): { readonly ok: true } | Refusal {
  return type === 'hello'
    ? { ok: true }
    : { ok: false, code: CLOSE.malformed, reason: 'send hello first' };
}

/**
 * A job's chunk and done frames are numbered from 0. The next one is taken; one already seen is
 * a harmless repeat; a jump means a frame was lost, and the job fails rather than lose text.
 */
export type SequenceVerdict = 'next' | 'repeat' | 'gap';

export function sequenceVerdict(expected: number, seq: number): SequenceVerdict {
  if (seq === expected) return 'next';
  return seq < expected ? 'repeat' : 'gap';
}

/** Silent this long: stalled (jobs fail over, no new work). The sentinel's threshold. */
export function stalledAfterMs(timing: Pick<SessionTiming, 'heartbeatMs'>): number {
  return SUSPECT_AFTER_INTERVALS * timing.heartbeatMs;
}

/** Silent this long: gone, the socket is closed. */
export function goneAfterMs(timing: Pick<SessionTiming, 'heartbeatMs'>): number {
  return GONE_AFTER_INTERVALS * timing.heartbeatMs;
}

export type SocketDue =
  | { readonly kind: 'hello_timeout' }
  | { readonly kind: 'heartbeats_stopped' }
  | { readonly kind: 'stalled'; readonly silentMs: number }
  | { readonly kind: 'none' };

/** What is due for a socket at `now`, and the next time something may be (null: nothing). */
export function socketDue(
  view: EdgeSocketView,
  now: number,
  timing: SessionTiming,
): { readonly due: SocketDue; readonly nextAt: number | null } {
  if (!view.helloed) {
    const deadline = view.connectedAt + timing.helloTimeoutMs;
    return now >= deadline
      ? { due: { kind: 'hello_timeout' }, nextAt: null }
      : { due: { kind: 'none' }, nextAt: deadline };
  }
  const gone = view.lastSeen + goneAfterMs(timing);
  if (now >= gone) return { due: { kind: 'heartbeats_stopped' }, nextAt: null };
  const stalled = view.lastSeen + stalledAfterMs(timing);
  if (now < stalled) return { due: { kind: 'none' }, nextAt: stalled };
  if (view.stalled) return { due: { kind: 'none' }, nextAt: gone };
  return { due: { kind: 'stalled', silentMs: now - view.lastSeen }, nextAt: gone };
}

/** Whether a job for this node has gone idle, and when it next may. */
export function jobDue(
  lastActivity: number,
  now: number,
  timing: Pick<SessionTiming, 'jobIdleMs'>,
): { readonly idle: boolean; readonly nextAt: number } {
  const deadline = lastActivity + timing.jobIdleMs;
  return { idle: now >= deadline, nextAt: deadline };
}

export type SocketRefusal = 'not_connected' | 'draining' | 'suspect';

/** Whether the socket takes a new job now; null when it does. */
export function socketRefusal(
  view: EdgeSocketView | null,
  now: number,
  timing: Pick<SessionTiming, 'heartbeatMs'>,
): SocketRefusal | null {
  if (!view?.helloed) return 'not_connected';
  if (view.draining) return 'draining';
  // Silent past the threshold: stopped, hung or cut off. Once it speaks again it is served
  // (presence keeps it suspect for a while, so it gets work only when no healthy node can).
  if (now - view.lastSeen > stalledAfterMs(timing)) return 'suspect';
  return null;
}

/**
 * Flow control: unread output the edge holds for one job before it pauses a node that has the
 * 'flow' feature; it resumes once the reader has taken half of it. A slow client therefore costs
 * at most this much of the edge's memory per stream; the rest waits on the node.
 */
export const FLOW_HIGH_WATER_BYTES = 64 * 1024;

/** Given the stream's free room (desiredSize), whether to pause, resume, or leave the node be. */
export function flowVerdict(
  paused: boolean,
  desiredSize: number | null,
): 'pause' | 'resume' | 'none' {
  if (desiredSize === null) return 'none';
  if (!paused && desiredSize <= 0) return 'pause';
  if (paused && desiredSize >= FLOW_HIGH_WATER_BYTES / 2) return 'resume';
  return 'none';
}
