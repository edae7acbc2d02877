import fc from 'fast-check';
import { testBackend } from './testing.ts';
import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.ts';
import { hasRoom } from './backend.ts';
import { breakerAllows, type BreakerState } from './breaker.ts';
import { chooseBackend, DEFAULT_CHOOSE, type RouteRequest, type RoutingState } from './choose.ts';
import type { PeakEwma } from './peak-ewma.ts';

const T0 = 1_790_000_000_000;
const EMPTY: RoutingState = { ewma: new Map(), breakers: new Map() };
const OPEN: BreakerState = { state: 'open', until: T0 + 30_000, streak: 1 };

const backend = testBackend;
const full = { slots: 2, inFlight: 2, queued: 0, vramFreeBytes: null };
const chosenId = (c: ReturnType<typeof chooseBackend>) =>
  c.kind === 'backend' ? c.backend.id : c.kind;

describe('chooseBackend', () => {
  it('answers unknown_model when nothing serves it, unless the model is known', () => {
    expect(chooseBackend([backend('a')], { model: 'x' }, EMPTY, T0, () => 0)).toEqual({
      kind: 'unknown_model',
    });
    expect(chooseBackend([], { model: 'x', knownModel: true }, EMPTY, T0, () => 0)).toEqual({
      kind: 'no_capacity',
      retryAfterSeconds: DEFAULT_CHOOSE.retryAfterSeconds,
    });
  });

  it('skips draining, excluded, open-breaker and full backends', () => {
    const bs = [
      backend('drain', { draining: true }),
      backend('tried'),
      backend('broken'),
      backend('full', { capacity: full }),
      backend('ok'),
    ];
    const state: RoutingState = { ewma: new Map(), breakers: new Map([['broken', OPEN]]) };
    for (const r of [0, 0.3, 0.6, 0.99]) {
      const c = chooseBackend(bs, { model: 'm1', exclude: new Set(['tried']) }, state, T0, () => r);
      expect(chosenId(c)).toBe('ok');
    }
  });

  it('resumes a cut stream only on a backend that can continue it', () => {
    const bs = [
      backend('old-node', { canContinue: false }),
      backend('cloud', { tier: 'upstream', canContinue: false }),
      backend('new-node', { capacity: { ...full, inFlight: 1 } }),
    ];
    for (const r of [0, 0.5, 0.99]) {
      const c = chooseBackend(bs, { model: 'm1', continuing: true }, EMPTY, T0, () => r);
      expect(chosenId(c)).toBe('new-node');
    }
    const none = chooseBackend(
      bs.slice(0, 2),
      { model: 'm1', continuing: true },
      EMPTY,
      T0,
      () => 0,
    );
    expect(none.kind).toBe('no_capacity');
  });

  it('a rescue asks past open breakers, and nothing else', () => {
    const bs = [backend('back', {}), backend('drain', { draining: true })];
    const state: RoutingState = {
      ewma: new Map(),
      breakers: new Map([
        ['back', OPEN],
        ['drain', OPEN],
      ]),
    };
    expect(chooseBackend(bs, { model: 'm1' }, state, T0, () => 0).kind).toBe('no_capacity');
    expect(chosenId(chooseBackend(bs, { model: 'm1', rescue: true }, state, T0, () => 0))).toBe(
      'back',
    );
  });

  it('prefers a node to an upstream, even a pricier-looking node', () => {
    const bs = [
      backend('cloud', { tier: 'upstream', costPer1kTokens: 0 }),
      backend('n', { costPer1kTokens: 1 }),
    ];
    expect(chosenId(chooseBackend(bs, { model: 'm1' }, EMPTY, T0, () => 0))).toBe('n');
  });

  it('falls back to an upstream when no node has room', () => {
    const bs = [backend('n', { capacity: full }), backend('cloud', { tier: 'upstream' })];
    const c = chooseBackend(bs, { model: 'm1' }, EMPTY, T0, () => 0);
    expect(c).toMatchObject({ kind: 'backend', reason: 'cheapest', backend: { id: 'cloud' } });
  });

  it('uses suspect backends only when nothing healthy has room', () => {
    const suspect = backend('s', { suspect: true });
    const cloud = backend('cloud', { tier: 'upstream' });
    expect(chosenId(chooseBackend([suspect, cloud], { model: 'm1' }, EMPTY, T0, () => 0))).toBe(
      'cloud',
    );
    expect(chosenId(chooseBackend([suspect], { model: 'm1' }, EMPTY, T0, () => 0))).toBe('s');
  });

  it('prefers a node that is not degraded; a degraded one still comes before an upstream', () => {
    const slow = backend('slow', { degraded: true });
    const cloud = backend('cloud', { tier: 'upstream' });
    for (const r of [0, 0.5, 0.99]) {
      const both = chooseBackend([slow, backend('ok'), cloud], { model: 'm1' }, EMPTY, T0, () => r);
      expect(chosenId(both)).toBe('ok');
    }
    expect(chosenId(chooseBackend([slow, cloud], { model: 'm1' }, EMPTY, T0, () => 0))).toBe(
      'slow',
    );
    // A full healthy node leaves the degraded one as the one with room.
    const busyNode = backend('full', { capacity: full });
    expect(chosenId(chooseBackend([busyNode, slow], { model: 'm1' }, EMPTY, T0, () => 0))).toBe(
      'slow',
    );
    // Degraded and healthy beats suspect.
    const gone = backend('s', { suspect: true });
    expect(chosenId(chooseBackend([gone, slow], { model: 'm1' }, EMPTY, T0, () => 0))).toBe('slow');
  });

  it('follows affinity only within the best pool: not to a degraded node while another has room', () => {
    const bs = [backend('a'), backend('b', { degraded: true })];
    const c = chooseBackend(bs, { model: 'm1', affinity: 'b' }, EMPTY, T0, () => 0);
    expect(chosenId(c)).toBe('a');
  });

  it('follows affinity when that backend has a free slot, not otherwise', () => {
    const bs = [backend('a'), backend('b'), backend('c')];
    const req: RouteRequest = { model: 'm1', affinity: 'c' };
    expect(chooseBackend(bs, req, EMPTY, T0, () => 0)).toMatchObject({
      reason: 'affinity',
      backend: { id: 'c' },
    });
    const busy = [backend('a'), backend('b'), backend('c', { capacity: full })];
    expect(chosenId(chooseBackend(busy, req, EMPTY, T0, () => 0))).not.toBe('c');
  });

  it('does not follow affinity out of a better pool', () => {
    const bs = [backend('n'), backend('cloud', { tier: 'upstream' })];
    const c = chooseBackend(bs, { model: 'm1', affinity: 'cloud' }, EMPTY, T0, () => 0);
    expect(chosenId(c)).toBe('n');
  });

  it('prefers nodes with the model warm', () => {
    const bs = [
      backend('cold1', { warmModels: [] }),
      backend('warm'),
      backend('cold2', { warmModels: [] }),
    ];
    for (const r of [0, 0.5, 0.99]) {
      expect(chosenId(chooseBackend(bs, { model: 'm1' }, EMPTY, T0, () => r))).toBe('warm');
    }
  });

  it('needs VRAM to load a cold model when the need is known', () => {
    const cap = { slots: 4, inFlight: 0, queued: 0, vramFreeBytes: 100 };
    const bs = [backend('small', { warmModels: [], capacity: cap })];
    const req = { model: 'm1', coldLoadBytes: 1000 };
    expect(chooseBackend(bs, req, EMPTY, T0, () => 0).kind).toBe('no_capacity');
  });

  it('takes the lower peak-EWMA cost of its two samples', () => {
    const bs = [backend('slow'), backend('fast')];
    const ewma = new Map<string, PeakEwma>([
      ['slow', { estimateMs: 900, at: T0 }],
      ['fast', { estimateMs: 100, at: T0 }],
    ]);
    const state = { ewma, breakers: new Map() };
    for (const r of [0, 0.99]) {
      expect(chosenId(chooseBackend(bs, { model: 'm1' }, state, T0, () => r))).toBe('fast');
    }
    // Loaded enough, the fast one costs more: 100 × (9 + 1) > 900 × 1.
    const loaded = [
      backend('slow'),
      backend('fast', { capacity: { ...full, slots: 20, inFlight: 9 } }),
    ];
    expect(chosenId(chooseBackend(loaded, { model: 'm1' }, state, T0, () => 0))).toBe('slow');
  });

  it('queues on the least-loaded healthy node when asked to and nothing has room', () => {
    const busy = backend('busy', { capacity: { ...full, queued: 5 } });
    const calm = backend('calm', { capacity: full });
    const gone = backend('gone', { capacity: full, suspect: true });
    const queue = { ...DEFAULT_CHOOSE, queueOnFullNodes: true };
    expect(chooseBackend([busy, calm], { model: 'm1' }, EMPTY, T0, () => 0).kind).toBe(
      'no_capacity',
    );
    for (const r of [0, 0.5, 0.99]) {
      const choice = chooseBackend([busy, calm, gone], { model: 'm1' }, EMPTY, T0, () => r, queue);
      expect(choice).toMatchObject({ kind: 'backend', reason: 'queue' });
      expect(chosenId(choice)).toBe('calm');
    }
    expect(chooseBackend([gone], { model: 'm1' }, EMPTY, T0, () => 0, queue).kind).toBe(
      'no_capacity',
    );
    // Queueing too prefers a node that is not degraded, even a busier one.
    const slow = backend('slow', { capacity: full, degraded: true });
    for (const r of [0, 0.5, 0.99]) {
      const choice = chooseBackend([slow, busy], { model: 'm1' }, EMPTY, T0, () => r, queue);
      expect(chosenId(choice)).toBe('busy');
    }
    expect(chosenId(chooseBackend([slow], { model: 'm1' }, EMPTY, T0, () => 0, queue))).toBe(
      'slow',
    );
  });

  it('orders upstreams by cost, then priority', () => {
    const up = (id: string, costPer1kTokens: number, priority: number) =>
      backend(id, { tier: 'upstream', costPer1kTokens, priority });
    const bs = [up('dear', 3, 0), up('cheap-b', 1, 2), up('cheap-a', 1, 1)];
    expect(chosenId(chooseBackend(bs, { model: 'm1' }, EMPTY, T0, () => 0))).toBe('cheap-a');
  });

  it('takes a half-open probe and returns the new breaker state', () => {
    const halfOpen: BreakerState = { state: 'open', until: T0, streak: 1 };
    const state = { ewma: new Map(), breakers: new Map([['a', halfOpen]]) };
    const c = chooseBackend([backend('a')], { model: 'm1' }, state, T0, () => 0);
    expect(c).toMatchObject({
      kind: 'backend',
      probe: T0,
      breaker: { state: 'half_open', probes: 1 },
    });
  });

  it('says when an open breaker will let a probe through', () => {
    const state = {
      ewma: new Map(),
      breakers: new Map<string, BreakerState>([
        ['a', { state: 'open', until: T0 + 2500, streak: 1 }],
      ]),
    };
    expect(chooseBackend([backend('a')], { model: 'm1' }, state, T0, () => 0)).toEqual({
      kind: 'no_capacity',
      retryAfterSeconds: 3,
    });
  });
});

// Property tests over random fleets.
const breakerArb: fc.Arbitrary<BreakerState | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  fc.record({
    state: fc.constant('open' as const),
    until: fc.integer({ min: T0 - 5000, max: T0 + 5000 }),
    streak: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    state: fc.constant('half_open' as const),
    spell: fc.constant(T0),
    probes: fc.nat(2),
    streak: fc.constant(1),
  }),
);
/** Mostly false, so fleets often hold healthy backends next to unhealthy ones. */
const rarely = fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.constant(true));
const backendArb = (id: string): fc.Arbitrary<Backend> =>
  fc.record({
    id: fc.constant(id),
    tier: fc.constantFrom('node' as const, 'upstream' as const),
    models: fc.constantFrom(['m1'], ['m1', 'm2'], ['m2']),
    warmModels: fc.subarray(['m1', 'm2']),
    costPer1kTokens: fc.nat(5),
    priority: fc.nat(3),
    capacity: fc.record({
      slots: fc.nat(4),
      inFlight: fc.nat(3),
      queued: fc.nat(3),
      vramFreeBytes: fc.option(fc.nat(2000)),
    }),
    draining: rarely,
    suspect: rarely,
    degraded: rarely,
    canContinue: fc.boolean(),
  });
const fleetArb = fc.integer({ min: 0, max: 8 }).chain((n) =>
  fc.tuple(
    fc.tuple(...Array.from({ length: n }, (_, i) => backendArb(`b${i}`))),
    fc.array(breakerArb, { minLength: n, maxLength: n }),
    fc.subarray(Array.from({ length: n }, (_, i) => `b${i}`)),
    fc.option(
      fc.integer({ min: 0, max: 8 }).map((i) => `b${i}`),
      { nil: undefined },
    ),
    fc.option(fc.nat(2000), { nil: undefined }),
    fc.boolean(),
  ),
);
const randomArb = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
  minLength: 2,
  maxLength: 2,
});

describe('chooseBackend (properties)', () => {
  it('never returns a draining, excluded, open-breaker, wrong-model, full or (resuming) non-continuing backend', () => {
    fc.assert(
      fc.property(fleetArb, randomArb, ([bs, brs, excluded, affinity, cold, continuing], rs) => {
        const breakers = new Map<string, BreakerState>();
        brs.forEach((b, i) => b && breakers.set(`b${i}`, b));
        const req: RouteRequest = {
          model: 'm1',
          exclude: new Set(excluded),
          continuing,
          ...(affinity === undefined ? {} : { affinity }),
          ...(cold === undefined ? {} : { coldLoadBytes: cold }),
        };
        let k = 0;
        const c = chooseBackend(bs, req, { ewma: new Map(), breakers }, T0, () => rs[k++ % 2] ?? 0);
        if (c.kind !== 'backend') return;
        const b = c.backend;
        expect(b.models).toContain('m1');
        expect(b.draining).toBe(false);
        expect(excluded).not.toContain(b.id);
        expect(breakerAllows(breakers.get(b.id), T0)).toBe(true);
        expect(hasRoom(b, 'm1', cold)).toBe(true);
        if (continuing) expect(b.canContinue).toBe(true);
      }),
    );
  });

  it('returns a node whenever a healthy node with room exists', () => {
    fc.assert(
      fc.property(fleetArb, randomArb, ([bs, brs, excluded, affinity, cold], rs) => {
        const breakers = new Map<string, BreakerState>();
        brs.forEach((b, i) => b && breakers.set(`b${i}`, b));
        const exclude = new Set(excluded);
        const req: RouteRequest = {
          model: 'm1',
          exclude,
          ...(affinity === undefined ? {} : { affinity }),
          ...(cold === undefined ? {} : { coldLoadBytes: cold }),
        };
        const healthy = bs.some(
          (b) =>
            b.tier === 'node' &&
            !b.suspect &&
            !b.draining &&
            !exclude.has(b.id) &&
            b.models.includes('m1') &&
            breakerAllows(breakers.get(b.id), T0) &&
            hasRoom(b, 'm1', cold),
        );
        let k = 0;
        const c = chooseBackend(bs, req, { ewma: new Map(), breakers }, T0, () => rs[k++ % 2] ?? 0);
        if (healthy)
          expect(c).toMatchObject({ kind: 'backend', backend: { tier: 'node', suspect: false } });
        else if (c.kind === 'backend')
          expect(c.backend.tier === 'upstream' || c.backend.suspect).toBe(true);
        if (!bs.some((b) => b.models.includes('m1'))) expect(c.kind).toBe('unknown_model');
      }),
    );
  });

  it('picks from the best pool with room: healthy before suspect, node before upstream, not degraded before degraded', () => {
    /** Rule 2's order, written out: lower is better. */
    const rank = (b: Backend) =>
      (b.suspect ? 4 : 0) + (b.tier === 'upstream' ? 2 : 0) + (b.degraded ? 1 : 0);
    fc.assert(
      fc.property(fleetArb, randomArb, ([bs, brs, excluded, affinity, cold, continuing], rs) => {
        const breakers = new Map<string, BreakerState>();
        brs.forEach((b, i) => b && breakers.set(`b${i}`, b));
        const exclude = new Set(excluded);
        const req: RouteRequest = {
          model: 'm1',
          exclude,
          continuing,
          ...(affinity === undefined ? {} : { affinity }),
          ...(cold === undefined ? {} : { coldLoadBytes: cold }),
        };
        const usable = bs.filter(
          (b) =>
            b.models.includes('m1') &&
            !b.draining &&
            !exclude.has(b.id) &&
            (b.canContinue || !continuing) &&
            breakerAllows(breakers.get(b.id), T0) &&
            hasRoom(b, 'm1', cold),
        );
        let k = 0;
        const c = chooseBackend(bs, req, { ewma: new Map(), breakers }, T0, () => rs[k++ % 2] ?? 0);
        if (usable.length === 0) {
          expect(c.kind).not.toBe('backend');
          return;
        }
        expect(c.kind).toBe('backend');
        if (c.kind === 'backend') {
          expect(rank(c.backend)).toBe(Math.min(...usable.map(rank)));
        }
      }),
    );
  });
});
