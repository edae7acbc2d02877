import { describe, expect, it } from 'vitest';
import { ID_PATTERN, LABEL_PATTERN, ProximaError } from '../protocol/index.ts';
import { RAG_LIMITS } from './limits.ts';
import {
  filterSchema,
  parseDocumentId,
  parseIngestBody,
  parseNamespace,
  parseSearchBody,
} from './schema.ts';

/** The ProximaError `fn` throws (the test fails if it throws anything else or nothing). */
function refusal(fn: () => unknown): ProximaError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProximaError) return e;
    throw e;
  }
  throw new Error('expected a ProximaError');
}

const doc = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'a',
  text: 'hello',
  ...over,
});

describe('RAG_LIMITS', () => {
  it('keeps rag:<tenant>:<namespace> within the registry id rule', () => {
    const tenant = 't'.repeat(64);
    expect(LABEL_PATTERN.test(tenant)).toBe(true);
    expect(LABEL_PATTERN.test(`${tenant}t`)).toBe(false); // tenants stop at 64
    const longest = 'n'.repeat(48);
    expect(RAG_LIMITS.namespacePattern.test(longest)).toBe(true);
    expect(ID_PATTERN.test(`rag:${tenant}:${longest}`)).toBe(true);
  });
});

describe('parseNamespace', () => {
  it('accepts 1-48 characters of A-Z a-z 0-9 . _ - starting with a letter or digit', () => {
    for (const ok of ['a', 'Docs_v2.1-prod', '0', 'n'.repeat(48)])
      expect(parseNamespace(ok)).toBe(ok);
  });

  it('refuses the rest with a 400 naming namespace', () => {
    for (const bad of ['', 'n'.repeat(49), '-x', '.x', '_x', 'a b', 'a/b', 'a:b', 'é', 'x\n']) {
      const err = refusal(() => parseNamespace(bad));
      expect(err.code).toBe('invalid_request');
      expect(err.param).toBe('namespace');
    }
  });
});

describe('parseDocumentId', () => {
  it('accepts paths, spaces, emoji and any script up to 512 UTF-8 bytes', () => {
    for (const ok of [
      'man2/open.2',
      'docs/a b.md',
      '😀',
      '東京/レポート.pdf',
      'a'.repeat(512),
      '😀'.repeat(128),
      ' leading',
    ]) {
      expect(parseDocumentId(ok)).toBe(ok);
    }
  });

  it('refuses empty, 513 bytes, unpaired surrogates and control characters', () => {
    for (const bad of [
      '',
      'a'.repeat(513),
      `${'😀'.repeat(128)}a`,
      'é'.repeat(257),
      'x\uD800',
      '\uDC00x',
      'a\u0000b',
      'tab\there',
      'nl\n',
      'del\u007f',
      'c1\u0085',
      'c1\u009f',
    ]) {
      const err = refusal(() => parseDocumentId(bad));
      expect(err.code).toBe('invalid_request');
      expect(err.param).toBe('id');
    }
  });
});

describe('parseIngestBody', () => {
  it('accepts a batch and fills in defaults', () => {
    const docs = parseIngestBody({
      documents: [
        doc(),
        doc({
          id: 'man2/open.2',
          format: 'markdown',
          metadata: { lang: 'en', year: 2024, ok: true, none: null },
        }),
      ],
    });
    expect(docs).toEqual([
      { id: 'a', text: 'hello', format: 'text', metadata: {} },
      {
        id: 'man2/open.2',
        text: 'hello',
        format: 'markdown',
        metadata: { lang: 'en', year: 2024, ok: true, none: null },
      },
    ]);
  });

  it('accepts a single document object', () => {
    expect(parseIngestBody(doc({ format: 'html' }))).toEqual([
      { id: 'a', text: 'hello', format: 'html', metadata: {} },
    ]);
  });

  const cases: [string, unknown, string, string?][] = [
    [
      'format outside the list',
      { documents: [doc(), doc({ id: 'b', format: 'pdf' })] },
      'documents[1].format',
      'text, markdown, html',
    ],
    [
      'bad id in a batch',
      { documents: [doc(), doc(), doc(), doc({ id: 'x\u0001' })] },
      'documents[3].id',
      'control',
    ],
    ['bad id alone', doc({ id: '' }), 'id'],
    ['id over 512 bytes', doc({ id: 'é'.repeat(257) }), 'id', '512'],
    [
      'id with an unpaired surrogate',
      { documents: [doc({ id: '\uD83D' })] },
      'documents[0].id',
      'surrogate',
    ],
    ['missing text', { documents: [{ id: 'a' }] }, 'documents[0].text'],
    ['empty text', doc({ text: '' }), 'text'],
    ['text with an unpaired surrogate', doc({ text: 'a\uDC00' }), 'text'],
    ['unknown field', doc({ metdata: {} }), ''],
    ['no documents', { documents: [] }, 'documents'],
    [
      'too many documents',
      { documents: Array.from({ length: 257 }, (_, i) => doc({ id: `d${i}` })) },
      'documents',
      '256',
    ],
    ['metadata key with a space', doc({ metadata: { 'a b': 1 } }), 'metadata.a b'],
    [
      'metadata key too long',
      doc({ metadata: { ['k'.repeat(65)]: 1 } }),
      `metadata.${'k'.repeat(65)}`,
    ],
    [
      'metadata __proto__ key',
      doc({ metadata: JSON.parse('{"__proto__": 1}') as unknown }),
      'metadata.__proto__',
    ],
    ['metadata array value', doc({ metadata: { a: [1] } }), 'metadata.a'],
    ['metadata object value', doc({ metadata: { a: { b: 1 } } }), 'metadata.a'],
    ['metadata infinite number', doc({ metadata: { a: Number.POSITIVE_INFINITY } }), 'metadata.a'],
    ['metadata string over 256', doc({ metadata: { a: 'x'.repeat(257) } }), 'metadata.a'],
    [
      'metadata over 32 keys',
      doc({ metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])) }),
      'metadata',
      '32',
    ],
    [
      'metadata over 4096 bytes',
      doc({
        metadata: Object.fromEntries(
          Array.from({ length: 20 }, (_, i) => [`k${i}`, 'x'.repeat(250)]),
        ),
      }),
      'metadata',
      '4096',
    ],
    ['metadata not an object', doc({ metadata: 'x' }), 'metadata'],
    ['body not an object', 'text', ''],
  ];
  for (const [name, body, param, mentions] of cases) {
    it(`refuses ${name} with a 400 naming '${param}'`, () => {
      const err = refusal(() => parseIngestBody(body));
      expect(err.code).toBe('invalid_request');
      expect(err.param ?? '').toBe(param);
      if (mentions !== undefined) expect(err.message).toContain(mentions);
    });
  }

  it('accepts metadata at exactly its limits', () => {
    const metadata = Object.fromEntries(
      Array.from({ length: 32 }, (_, i) => [`k${i}`.padEnd(8, '_'), i]),
    );
    expect(parseIngestBody(doc({ metadata }))[0]!.metadata).toEqual(metadata);
    expect(parseIngestBody(doc({ metadata: { ['k'.repeat(64)]: 'x'.repeat(256) } }))).toHaveLength(
      1,
    );
  });

  it('refuses duplicate ids in one batch, naming the second', () => {
    const err = refusal(() =>
      parseIngestBody({ documents: [doc({ id: 'x' }), doc({ id: 'y' }), doc({ id: 'x' })] }),
    );
    expect(err.code).toBe('invalid_request');
    expect(err.param).toBe('documents[2].id');
    expect(err.message).toContain('documents[0].id');
  });

  it('answers a text over 2 MiB with a 413 naming it', () => {
    const big = 'é'.repeat(RAG_LIMITS.documentBytes / 2 + 1);
    const err = refusal(() =>
      parseIngestBody({ documents: [doc(), doc({ id: 'big', text: big })] }),
    );
    expect(err.code).toBe('payload_too_large');
    expect(err.param).toBe('documents[1].text');
    expect(parseIngestBody(doc({ text: 'é'.repeat(RAG_LIMITS.documentBytes / 2) }))).toHaveLength(
      1,
    );
  });
});

describe('parseSearchBody', () => {
  it('fills in top_k and mode', () => {
    expect(parseSearchBody({ query: 'reset router' })).toEqual({
      query: 'reset router',
      topK: 5,
      filter: null,
      mode: 'hybrid',
    });
    expect(
      parseSearchBody({
        query: 'q',
        top_k: 50,
        mode: 'bm25',
        filter: { lang: 'en', year: { $in: [2023, 2024] } },
      }),
    ).toEqual({
      query: 'q',
      topK: 50,
      filter: { lang: 'en', year: { $in: [2023, 2024] } },
      mode: 'bm25',
    });
    expect(parseSearchBody({ query: 'q', filter: null }).filter).toBeNull();
  });

  const cases: [string, unknown, string][] = [
    ['empty query', { query: '' }, 'query'],
    ['long query', { query: 'q'.repeat(4097) }, 'query'],
    ['query with an unpaired surrogate', { query: 'q\uD800' }, 'query'],
    ['top_k 0', { query: 'q', top_k: 0 }, 'top_k'],
    ['top_k 51', { query: 'q', top_k: 51 }, 'top_k'],
    ['top_k 2.5', { query: 'q', top_k: 2.5 }, 'top_k'],
    ['top_k as text', { query: 'q', top_k: '5' }, 'top_k'],
    ['unknown mode', { query: 'q', mode: 'semantic' }, 'mode'],
    ['filter value an object', { query: 'q', filter: { lang: { en: true } } }, 'filter.lang'],
    ['filter $nin', { query: 'q', filter: { lang: { $nin: ['en'] } } }, 'filter.lang'],
    ['empty $in', { query: 'q', filter: { lang: { $in: [] } } }, 'filter.lang.$in'],
    [
      '$in over 32 values',
      { query: 'q', filter: { n: { $in: Array.from({ length: 33 }, (_, i) => i) } } },
      'filter.n.$in',
    ],
    [
      'filter over 16 keys',
      {
        query: 'q',
        filter: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])),
      },
      'filter',
    ],
    ['filter key with a slash', { query: 'q', filter: { 'a/b': 1 } }, 'filter.a/b'],
    [
      'filter __proto__',
      { query: 'q', filter: JSON.parse('{"__proto__": {"$in": [1]}}') as unknown },
      'filter.__proto__',
    ],
    ['unknown field', { query: 'q', topk: 3 }, ''],
  ];
  for (const [name, body, param] of cases) {
    it(`refuses ${name} with a 400 naming '${param}'`, () => {
      const err = refusal(() => parseSearchBody(body));
      expect(err.code).toBe('invalid_request');
      expect(err.param ?? '').toBe(param);
    });
  }

  it('accepts a filter at its limits', () => {
    const filter = Object.fromEntries(
      Array.from({ length: 16 }, (_, i) => [
        `k${i}`,
        { $in: Array.from({ length: 32 }, (_, j) => j) },
      ]),
    );
    expect(filterSchema.parse(filter)).toEqual(filter);
  });
});
