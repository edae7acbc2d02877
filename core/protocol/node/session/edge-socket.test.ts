import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLOSE } from '../close-codes.ts';
import { NODE_PROTOCOL_VERSION } from '../messages.ts';
import { sampleHello } from '../testing.ts';
import {
  FLOW_HIGH_WATER_BYTES,
  flowVerdict,
  helloVerdict,
  sequenceVerdict,
  socketDue,
  socketRefusal,
  type EdgeSocketView,
  type SessionTiming,
} from './edge-socket.ts';

const T: SessionTiming = { heartbeatMs: 1000, helloTimeoutMs: 5000, jobIdleMs: 60_000 };
const view = (over: Partial<EdgeSocketView> = {}): EdgeSocketView => ({
  connectedAt: 0,
  lastSeen: 0,
  helloed: true,
  draining: false,
  stalled: false,
  ...over,
});

describe('helloVerdict', () => {
  const hello = sampleHello({ nodeId: 'n1' });
  it('accepts one hello for the right node in our version', () => {
    expect(helloVerdict({ helloed: false }, 'n1', hello)).toEqual({ ok: true });
  });
  it.each([
    [{ helloed: true }, 'n1', hello, CLOSE.malformed],
    [{ helloed: false }, 'n2', hello, CLOSE.malformed],
    [
      { helloed: false },
      'n1',
      { ...hello, protocol: NODE_PROTOCOL_VERSION + 1 },
      CLOSE.unsupportedProtocol,
    ],
  ])('refuses %#', (v, id, h, code) => {
    const verdict = helloVerdict(v, id, h);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.code).toBe(code);
  });
});

describe('sequenceVerdict', () => {
  it('takes the next, drops a repeat, fails a gap', () => {
    expect(sequenceVerdict(3, 3)).toBe('next');
    expect(sequenceVerdict(3, 1)).toBe('repeat');
    expect(sequenceVerdict(3, 4)).toBe('gap');
  });
});

describe('socketDue', () => {
  it('times out a socket that never says hello', () => {
    expect(socketDue(view({ helloed: false }), 4999, T)).toEqual({
      due: { kind: 'none' },
      nextAt: 5000,
    });
    expect(socketDue(view({ helloed: false }), 5000, T).due.kind).toBe('hello_timeout');
  });

  it('finds a silent node stalled at 1.5 intervals, once, and gone at 3', () => {
    expect(socketDue(view({ lastSeen: 100 }), 1500, T)).toEqual({
      due: { kind: 'none' },
      nextAt: 1600,
    });
    expect(socketDue(view({ lastSeen: 100 }), 1600, T)).toEqual({
      due: { kind: 'stalled', silentMs: 1500 },
      nextAt: 3100,
    });
    expect(socketDue(view({ lastSeen: 100, stalled: true }), 2000, T)).toEqual({
      due: { kind: 'none' },
      nextAt: 3100,
    });
    expect(socketDue(view({ lastSeen: 100, stalled: true }), 3100, T).due.kind).toBe(
      'heartbeats_stopped',
    );
  });

  it('never schedules a deadline in the past, and something is due or scheduled', () => {
    fc.assert(
      fc.property(
        fc.record({
          connectedAt: fc.nat(10_000),
          lastSeen: fc.nat(10_000),
          helloed: fc.boolean(),
          draining: fc.boolean(),
          stalled: fc.boolean(),
        }),
        fc.nat(20_000),
        (v, now) => {
          const { due, nextAt } = socketDue(v, now, T);
          if (nextAt !== null) expect(nextAt).toBeGreaterThan(now);
          expect(due.kind !== 'none' || nextAt !== null).toBe(true);
        },
      ),
    );
  });
});

describe('socketRefusal', () => {
  it('takes jobs only on a greeted, undrained socket that spoke within 1.5 intervals', () => {
    expect(socketRefusal(null, 0, T)).toBe('not_connected');
    expect(socketRefusal(view({ helloed: false }), 0, T)).toBe('not_connected');
    expect(socketRefusal(view({ draining: true }), 0, T)).toBe('draining');
    expect(socketRefusal(view({ lastSeen: 0 }), 1501, T)).toBe('suspect');
    expect(socketRefusal(view({ lastSeen: 0 }), 1500, T)).toBeNull();
  });
});

describe('flowVerdict', () => {
  it('pauses when the buffer is full and resumes once half of it was read', () => {
    expect(flowVerdict(false, 1)).toBe('none');
    expect(flowVerdict(false, 0)).toBe('pause');
    expect(flowVerdict(true, 0)).toBe('none');
    expect(flowVerdict(true, FLOW_HIGH_WATER_BYTES / 2 - 1)).toBe('none');
    expect(flowVerdict(true, FLOW_HIGH_WATER_BYTES / 2)).toBe('resume');
    expect(flowVerdict(false, null)).toBe('none');
  });
});
