import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LexicalEmbedder } from '@proxima/wasm';
import { referenceKernels } from '@proxima/wasm/reference';
import { seededRng } from '../lsh/prng.ts';
import type { ChatMessage } from '../protocol/openai/chat-request.ts';
import { CACHE_DEFAULTS } from './defaults.ts';
import type { CacheEntryInput } from './entry.ts';
import { exactKey } from './exact.ts';
import { cacheScope, type ScopeInput } from './scope.ts';
import { CacheStore, type CacheLookup, type CacheStoreOptions } from './store.ts';
import { cosine, near, randomUnit } from './testing.ts';

const DIM = 32;
const embedder = new LexicalEmbedder();

function store(options: Partial<CacheStoreOptions> = {}): CacheStore {
  return new CacheStore({ kernels: referenceKernels, dim: DIM, ...options });
}

function entry(
  id: string,
  vector: Float32Array,
  more: Partial<CacheEntryInput> = {},
): CacheEntryInput {
  return {
    id,
    scope: 'scope-1',
    exact: `prompt ${id}`,
    prompt: `prompt ${id}`,
    vector,
    expiresAt: 1000,
    tags: [],
    sources: [],
    ...more,
  };
}

function ask(vector: Float32Array | null, more: Partial<CacheLookup> = {}): CacheLookup {
  return {
    scope: 'scope-1',
    exact: 'a question asked for the first time',
    prompt: 'prompt x',
    vector,
    mode: 'semantic',
    threshold: 0.9,
    now: 0,
    ...more,
  };
}

describe('CacheStore lookup', () => {
  it('hits the exact key of the same scope first, with similarity 1', () => {
    const s = store();
    const v = randomUnit(seededRng(1), DIM);
    s.put(entry('a', v), 0);
    expect(s.lookup(ask(null, { exact: 'prompt a', mode: 'exact' }))).toEqual({
      kind: 'hit',
      id: 'a',
      similarity: 1,
    });
    expect(s.lookup(ask(null, { exact: 'prompt a', scope: 'scope-2' }))).toEqual({ kind: 'miss' });
  });

  it('finds a similar vector in semantic mode only, and only above the threshold', () => {
    const rng = seededRng(2);
    const s = store();
    const v = randomUnit(rng, DIM);
    s.put(entry('a', v, { prompt: 'prompt x' }), 0);
    const q = near(rng, v, 0.95);
    const hit = s.lookup(ask(q));
    expect(hit).toMatchObject({ kind: 'semantic_hit', id: 'a' });
    expect(hit.kind === 'semantic_hit' && hit.similarity).toBeCloseTo(cosine(q, v), 5);
    expect(s.lookup(ask(q, { mode: 'exact' }))).toEqual({ kind: 'miss' });
    expect(s.lookup(ask(q, { threshold: 0.97 }))).toEqual({ kind: 'miss' });
    expect(s.lookup(ask(null))).toEqual({ kind: 'miss' });
  });

  it('lets the guard refuse a near miss and reports it', () => {
    const s = store();
    const v = randomUnit(seededRng(3), DIM);
    s.put(entry('on', v, { prompt: 'how do I turn on TLS in Kafka?' }), 0);
    const r = s.lookup(ask(v, { prompt: 'how do I turn off TLS in Kafka?', threshold: 0.5 }));
    expect(r).toEqual({
      kind: 'miss',
      refused: { id: 'on', similarity: expect.closeTo(1, 5) as number, reason: 'polarity' },
    });
  });

  it('tries the next candidate when the best one is refused', () => {
    const rng = seededRng(4);
    const s = store();
    const q = randomUnit(rng, DIM);
    s.put(entry('off', near(rng, q, 0.99), { prompt: 'how do I turn off TLS in Kafka?' }), 0);
    s.put(entry('on', near(rng, q, 0.9), { prompt: 'Hey, how do I turn on TLS in Kafka' }), 0);
    const r = s.lookup(ask(q, { prompt: 'how do I turn on TLS in Kafka?', threshold: 0.8 }));
    expect(r).toMatchObject({ kind: 'semantic_hit', id: 'on' });
    expect(r.kind === 'semantic_hit' && r.similarity).toBeCloseTo(0.9, 2);
  });

  it('never returns an expired entry, exact or semantic', () => {
    const s = store();
    const v = randomUnit(seededRng(5), DIM);
    s.put(entry('a', v, { prompt: 'prompt x', expiresAt: 100 }), 0);
    expect(s.lookup(ask(v, { now: 99 }))).toMatchObject({ kind: 'semantic_hit' });
    expect(s.lookup(ask(v, { exact: 'prompt a', now: 100 }))).toEqual({ kind: 'miss' });
    expect(s.lookup(ask(v, { now: 100 }))).toEqual({ kind: 'miss' });
    expect(s.expire(99)).toEqual([]);
    expect(s.expire(100)).toEqual(['a']);
    expect(s.size).toBe(0);
  });

  it('rejects a query vector of the wrong dimension', () => {
    const s = store();
    s.put(entry('a', randomUnit(seededRng(6), DIM)), 0);
    expect(() => s.lookup(ask(new Float32Array(DIM + 1)))).toThrow(RangeError);
  });
});

describe('CacheStore isolation', () => {
  const params = { temperature: 0, max_tokens: 256 };
  const msgs = (...texts: string[]): ChatMessage[] =>
    texts.map((content, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content }));
  const scopeOf = (tenant: string, messages: ChatMessage[]): string =>
    cacheScope({ tenant, epoch: 1, model: 'm', params, messages } satisfies ScopeInput);

  it('never returns tenant A entries to tenant B, with identical prompts, vectors and parameters', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 20 }),
        fc.integer(),
        (prompts, seed) => {
          const s = store({ dim: 256, kernels: referenceKernels });
          const rng = seededRng(seed);
          const usable = prompts.filter((p) => exactKey(p) !== '');
          usable.forEach((p, i) =>
            s.put(
              {
                id: `a${i}`,
                scope: scopeOf('tenant-a', msgs(p)),
                exact: exactKey(p),
                prompt: p,
                vector: embedder.embed(p).some((x) => x !== 0)
                  ? embedder.embed(p)
                  : randomUnit(rng, 256),
                expiresAt: 10,
                tags: [],
                sources: [],
              },
              0,
            ),
          );
          for (const p of usable) {
            const r = s.lookup({
              scope: scopeOf('tenant-b', msgs(p)),
              exact: exactKey(p),
              prompt: p,
              vector: embedder.embed(p),
              mode: 'semantic',
              threshold: CACHE_DEFAULTS.minThreshold,
              now: 0,
            });
            expect(r).toEqual({ kind: 'miss' });
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('keeps tenants apart in a scope large enough for the LSH index', () => {
    const rng = seededRng(7);
    const s = store({ capacity: 2000 });
    const a = scopeOf('tenant-a', msgs('q'));
    const b = scopeOf('tenant-b', msgs('q'));
    const vectors = Array.from({ length: 600 }, () => randomUnit(rng, DIM));
    vectors.forEach((v, i) => s.put(entry(`a${i}`, v, { scope: a, prompt: 'same prompt' }), 0));
    vectors
      .slice(0, 5)
      .forEach((v, i) =>
        s.put(entry(`b${i}`, near(rng, v, 0.5), { scope: b, prompt: 'same prompt' }), 0),
      );
    for (const [i, v] of vectors.entries()) {
      const own = s.lookup(ask(v, { scope: a, prompt: 'same prompt', exact: 'new' }));
      expect(own).toMatchObject({ kind: 'semantic_hit', id: `a${i}` });
      const other = s.lookup(
        ask(v, { scope: b, prompt: 'same prompt', exact: `prompt a${i}`, threshold: 0.5 }),
      );
      expect(
        other.kind === 'miss' || (other.kind === 'semantic_hit' && other.id.startsWith('b')),
      ).toBe(true);
    }
  });

  it('misses when an earlier turn changed', () => {
    const s = store({ dim: 256 });
    const prompt = 'how old is he?';
    const vector = embedder.embed(prompt);
    const alice = scopeOf('t', msgs('tell me about Alice', 'Alice is a pilot.', prompt));
    const bob = scopeOf('t', msgs('tell me about Bob', 'Bob is a pilot.', prompt));
    s.put({ ...entry('alice', vector, { scope: alice, prompt, exact: exactKey(prompt) }) }, 0);
    const q = { exact: exactKey(prompt), prompt, vector, threshold: 0.5 };
    expect(s.lookup(ask(null, { ...q, scope: bob }))).toEqual({ kind: 'miss' });
    expect(s.lookup(ask(null, { ...q, scope: alice }))).toMatchObject({ kind: 'hit' });
  });
});

describe('CacheStore put, LRU and removal', () => {
  it('evicts the least recently used entry; a hit or a touch counts as a use', () => {
    const rng = seededRng(8);
    const s = store({ capacity: 3 });
    const v = Array.from({ length: 5 }, () => randomUnit(rng, DIM));
    for (const id of ['a', 'b', 'c']) s.put(entry(id, v['abc'.indexOf(id)]!), 0);
    expect(s.lookup(ask(null, { exact: 'prompt a', now: 1 }))).toMatchObject({ id: 'a' });
    expect(s.put(entry('d', v[3]!), 2)).toEqual({ evicted: ['b'] });
    expect(s.touch('c', 3)).toBe(true);
    expect(s.touch('zz', 3)).toBe(false);
    expect(s.put(entry('e', v[4]!), 4)).toEqual({ evicted: ['a'] });
    expect(s.get('c')?.lastUsedAt).toBe(3);
    expect(['a', 'b', 'c', 'd', 'e'].filter((id) => s.get(id))).toEqual(['c', 'd', 'e']);
  });

  it('replaces an entry with the same scope and exact key, or the same id', () => {
    const rng = seededRng(9);
    const s = store();
    s.put(entry('a', randomUnit(rng, DIM), { exact: 'q' }), 0);
    expect(s.put(entry('b', randomUnit(rng, DIM), { exact: 'q' }), 1)).toEqual({ evicted: ['a'] });
    expect(s.lookup(ask(null, { exact: 'q' }))).toMatchObject({ kind: 'hit', id: 'b' });
    expect(s.put(entry('b', randomUnit(rng, DIM), { exact: 'r' }), 2)).toEqual({ evicted: [] });
    expect(s.size).toBe(1);
    expect(s.lookup(ask(null, { exact: 'q' }))).toEqual({ kind: 'miss' });
    expect(s.get('b')?.exact).toBe('r');
  });

  it('invalidates by source version and on deletion', () => {
    const rng = seededRng(10);
    const s = store();
    const src = (version: number) => [{ namespace: 'docs', documentId: 'faq', version }];
    s.put(entry('v3', randomUnit(rng, DIM), { sources: src(3) }), 0);
    s.put(entry('v4', randomUnit(rng, DIM), { sources: src(4) }), 0);
    s.put(
      entry('other', randomUnit(rng, DIM), { sources: [{ ...src(1)[0]!, documentId: 'x' }] }),
      0,
    );
    expect(s.invalidateSource('docs', 'faq', 4)).toEqual(['v3']);
    expect(s.invalidateSource('docs', 'nope', 9)).toEqual([]);
    expect(s.invalidateSource('other-ns', 'faq')).toEqual([]);
    expect(s.invalidateSource('docs', 'faq')).toEqual(['v4']);
    expect(s.get('other')).toBeDefined();
  });

  it('invalidates by tag and by tag prefix', () => {
    const rng = seededRng(11);
    const s = store();
    s.put(entry('a', randomUnit(rng, DIM), { tags: ['team:ops', 'faq'] }), 0);
    s.put(entry('b', randomUnit(rng, DIM), { tags: ['team:dev'] }), 0);
    s.put(entry('c', randomUnit(rng, DIM), { tags: ['faq'] }), 0);
    s.put(entry('d', randomUnit(rng, DIM)), 0);
    expect(s.invalidateTagPrefix('team:').sort()).toEqual(['a', 'b']);
    expect(s.invalidateTag('faq')).toEqual(['c']);
    expect(s.invalidateTag('faq')).toEqual([]);
    expect(() => s.invalidateTagPrefix('')).toThrow(RangeError);
    expect(s.size).toBe(1);
  });

  it('removes an entry from every index', () => {
    const v = randomUnit(seededRng(12), DIM);
    const s = store();
    s.put(entry('a', v, { tags: ['t'], prompt: 'prompt x' }), 0);
    expect(s.remove('a')).toBe(true);
    expect(s.remove('a')).toBe(false);
    expect(s.lookup(ask(v, { exact: 'prompt a' }))).toEqual({ kind: 'miss' });
    expect(s.invalidateTag('t')).toEqual([]);
    expect(s.expire(10_000)).toEqual([]);
  });

  it.each<[string, Partial<CacheEntryInput>]>([
    ['a bad id', { id: 'has space' }],
    ['a vector of another dimension', { vector: new Float32Array(DIM + 1) }],
    ['a NaN in the vector', { vector: new Float32Array(DIM).fill(Number.NaN) }],
    [
      'too many tags',
      { tags: Array.from({ length: CACHE_DEFAULTS.maxTags + 1 }, (_, i) => `t${i}`) },
    ],
    ['a bad tag', { tags: ['no spaces'] }],
    ['a negative source version', { sources: [{ namespace: 'n', documentId: 'd', version: -1 }] }],
    ['an infinite expiry', { expiresAt: Number.POSITIVE_INFINITY }],
  ])('refuses %s', (_what, bad) => {
    expect(() => store().put(entry('a', new Float32Array(DIM), bad), 0)).toThrow(RangeError);
  });
});

describe('CacheStore large scopes', () => {
  it('switches to LSH past linearScanMax, finds near duplicates, and switches back', () => {
    const rng = seededRng(13);
    const s = store({ capacity: 5000, linearScanMax: 64 });
    const vectors = Array.from({ length: 1500 }, () => randomUnit(rng, DIM));
    vectors.forEach((v, i) => s.put(entry(`e${i}`, v, { prompt: 'prompt x' }), 0));
    expect(s.stats()).toEqual({ entries: 1500, scopes: 1, lshScopes: 1 });
    let found = 0;
    for (const [i, v] of vectors.entries()) {
      const q = near(rng, v, 0.95);
      const r = s.lookup(ask(q, { threshold: 0.9 }));
      if (r.kind === 'semantic_hit') {
        expect(r.id).toBe(`e${i}`);
        // The f32 re-check: the similarity is the cosine, not its int8 estimate.
        expect(r.similarity).toBeCloseTo(cosine(q, v), 4);
        found++;
      }
    }
    expect(found / vectors.length).toBeGreaterThan(0.98);
    for (let i = 0; i < 1480; i++) s.remove(`e${i}`);
    expect(s.stats()).toEqual({ entries: 20, scopes: 1, lshScopes: 0 });
    for (let i = 1480; i < 1500; i++) {
      expect(s.lookup(ask(vectors[i]!, { threshold: 0.99 }))).toMatchObject({ id: `e${i}` });
    }
  });
});
