import { describe, expect, it } from 'vitest';
import { msg, MessageType } from '../raft/index.ts';
import { ticksDue } from './ticks.ts';
import { batchesByPeer, MAX_BATCH_MESSAGES, parsePeerBatch, PEER_WIRE_VERSION } from './wire.ts';

const app = (to: number) => msg({ type: MessageType.App, from: 1, to, term: 2 });

describe('peer wire', () => {
  it('groups messages by destination, in order, and splits big batches', () => {
    const messages = [
      app(2),
      app(3),
      app(2),
      ...Array.from({ length: MAX_BATCH_MESSAGES }, () => app(3)),
    ];
    const batches = batchesByPeer(1, messages);
    expect(batches.get(2)?.map((b) => b.messages.length)).toEqual([2]);
    expect(batches.get(3)?.map((b) => b.messages.length)).toEqual([MAX_BATCH_MESSAGES, 1]);
  });

  it('accepts a well-formed batch for this peer and round-trips it', () => {
    const [batch] = batchesByPeer(1, [app(2)]).get(2) ?? [];
    const parsed = parsePeerBatch(batch, 2);
    expect(parsed).toEqual({ ok: true, batch });
  });

  it.each([
    ['another wire version', { v: 99, from: 1, messages: [app(2)] }, 'version 99'],
    [
      'a message for another peer',
      { v: PEER_WIRE_VERSION, from: 1, messages: [app(3)] },
      'for peer 3',
    ],
    ['a forged sender', { v: PEER_WIRE_VERSION, from: 4, messages: [app(2)] }, 'from 1'],
    [
      'an unknown type',
      { v: PEER_WIRE_VERSION, from: 1, messages: [{ ...app(2), type: 'Launch' }] },
      'type',
    ],
    [
      'a string for bytes',
      { v: PEER_WIRE_VERSION, from: 1, messages: [{ ...app(2), context: 'x' }] },
      'context',
    ],
    ['no messages', { v: PEER_WIRE_VERSION, from: 1, messages: [] }, 'messages'],
    ['not an object', 'hello', 'malformed'],
  ])('refuses %s with a reason', (_what, value, reason) => {
    const parsed = parsePeerBatch(value, 2);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});

describe('ticksDue', () => {
  it('owes nothing to an early or duplicate alarm', () => {
    expect(ticksDue(1000, 1200, 500, 2)).toEqual({ ticks: 0, lastTickAt: 1000, nextAt: 1500 });
  });

  it('owes whole ticks on time, and at most maxCatchUp when late', () => {
    expect(ticksDue(1000, 1500, 500, 2)).toEqual({ ticks: 1, lastTickAt: 1500, nextAt: 2000 });
    expect(ticksDue(1000, 2100, 500, 3)).toEqual({ ticks: 2, lastTickAt: 2000, nextAt: 2500 });
    expect(ticksDue(1000, 61_000, 500, 2)).toEqual({
      ticks: 2,
      lastTickAt: 61_000,
      nextAt: 61_500,
    });
  });
});
