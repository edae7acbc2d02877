// The RAG API's request bodies and path values. Every rejection is a ProximaError naming the field
// ("documents[3].id", "top_k", "filter.lang") so a client can fix its request.
import * as z from 'zod';
import { ProximaError } from '../protocol/errors.ts';
import { exceedsUtf8, isWellFormedText, quote, utf8Length } from '../protocol/limits.ts';
import { parseOrThrow } from '../protocol/validation.ts';
import type { Filter, Metadata } from './filter.ts';
import { RAG_LIMITS as L } from './limits.ts';
import type { TextFormat } from './plain-text.ts';

export const TEXT_FORMATS = ['text', 'markdown', 'html'] as const satisfies readonly TextFormat[];
export const SEARCH_MODES = ['hybrid', 'vector', 'bm25'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export interface IngestDocument {
  readonly id: string;
  readonly text: string;
  readonly format: TextFormat;
  /** {} when the request had none. */
  readonly metadata: Metadata;
}

export interface SearchRequest {
  readonly query: string;
  readonly topK: number;
  readonly filter: Filter | null;
  readonly mode: SearchMode;
}

// ---- ids --------------------------------------------------------------------------------------

const CONTROL = /\p{Cc}/u;

/** Why `id` is not a document id, or null when it is one. */
function documentIdProblem(id: string): string | null {
  if (id.length === 0) return 'must not be empty';
  if (exceedsUtf8(id, L.documentIdBytes)) return `must be at most ${L.documentIdBytes} UTF-8 bytes`;
  if (!isWellFormedText(id)) return 'must not contain unpaired surrogates';
  if (CONTROL.test(id)) return 'must not contain control characters';
  return null;
}

/** A namespace from the URL; a 400 naming `namespace` otherwise. */
export function parseNamespace(s: string): string {
  if (L.namespacePattern.test(s)) return s;
  throw new ProximaError(
    'invalid_request',
    `Invalid 'namespace' ${quote(s)}: must be ${L.namespaceRule}.`,
    {
      param: 'namespace',
    },
  );
}

/** A document id from the URL (already percent-decoded): '/', spaces and emoji are all fine. */
export function parseDocumentId(s: string): string {
  const problem = documentIdProblem(s);
  if (problem === null) return s;
  throw new ProximaError('invalid_request', `Invalid document id ${quote(s)}: ${problem}.`, {
    param: 'id',
  });
}

// ---- metadata and filters ---------------------------------------------------------------------

const SCALAR_RULE = `a string of at most ${L.metadataStringChars} characters, a finite number, a boolean or null`;

// Flat option lists: zod names a failing branch's own issue (e.g. "filter.n.$in") only when every
// other branch failed on type, which a nested union does not.
const scalarOptions = [
  z
    .string()
    .max(L.metadataStringChars, `strings must be at most ${L.metadataStringChars} characters`)
    .refine(isWellFormedText, 'must not contain unpaired surrogates'),
  z.number(), // zod 4 refuses Infinity and NaN
  z.boolean(),
  z.null(),
] as const;

const scalar = z.union(scalarOptions, { error: `must be ${SCALAR_RULE}` });

const key = z.string().regex(L.metadataKeyPattern, `keys must be ${L.metadataKeyRule}`);
const badKey = (issue: { readonly code?: string }): string | undefined =>
  issue.code === 'invalid_key' ? `keys must be ${L.metadataKeyRule}` : undefined;

/**
 * zod drops a `__proto__` key from records (assigning it would swap the prototype) without a
 * word; it passes the key pattern, so refuse it out loud instead of storing or filtering less.
 */
function withoutProtoKey<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, ctx) => {
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
      ctx.issues.push({
        code: 'custom',
        message: 'the key __proto__ is reserved',
        input: value,
        path: ['__proto__'],
      });
    }
    return value;
  }, schema);
}

const keyCount = (max: number) => (o: object) => Object.keys(o).length <= max;

const metadata = withoutProtoKey(
  z
    .record(key, scalar, { error: badKey })
    .refine(keyCount(L.metadataKeys), `must have at most ${L.metadataKeys} keys`)
    .refine(
      (m) => utf8Length(JSON.stringify(m)) <= L.metadataBytes,
      `must be at most ${L.metadataBytes} bytes as JSON`,
    ),
);

const condition = z.union(
  [
    ...scalarOptions,
    z.strictObject({
      // refine, not min/max: zod reports a union branch's own issue only when it is continuable.
      $in: z
        .array(scalar)
        .refine((list) => list.length >= 1, '$in must list at least one value')
        .refine(
          (list) => list.length <= L.filterInValues,
          `$in must list at most ${L.filterInValues} values`,
        ),
    }),
  ],
  { error: `must be ${SCALAR_RULE}, or {"$in": [such values]}` },
);

/** A search filter (also the chat extension's `proxima.rag.filter`). */
export const filterSchema = withoutProtoKey(
  z
    .record(key, condition, { error: badKey })
    .refine(keyCount(L.filterKeys), `must have at most ${L.filterKeys} keys`),
);

// ---- bodies -----------------------------------------------------------------------------------

const documentId = z.string().superRefine((id, ctx) => {
  const problem = documentIdProblem(id);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

const ingestDocument = z.strictObject({
  id: documentId,
  text: z
    .string()
    .min(1, 'must not be empty')
    .refine(isWellFormedText, 'must not contain unpaired surrogates'),
  format: z
    .enum(TEXT_FORMATS, { error: `must be one of ${TEXT_FORMATS.join(', ')}` })
    .default('text'),
  metadata: metadata.default({}),
});

const ingestBatch = z.strictObject({
  documents: z
    .array(ingestDocument)
    .min(1, 'must hold at least one document')
    .max(L.documentsPerRequest, `must hold at most ${L.documentsPerRequest} documents`),
});

const searchBody = z.strictObject({
  query: z
    .string()
    .min(1, 'must not be empty')
    .max(L.queryChars, `must be at most ${L.queryChars} characters`)
    .refine(isWellFormedText, 'must not contain unpaired surrogates'),
  top_k: z
    .number()
    .int('must be an integer')
    .min(1, `must be in 1..${L.topKMax}`)
    .max(L.topKMax, `must be in 1..${L.topKMax}`)
    .default(L.topKDefault),
  filter: filterSchema.nullish(),
  mode: z
    .enum(SEARCH_MODES, { error: `must be one of ${SEARCH_MODES.join(', ')}` })
    .default('hybrid'),
});

/**
 * `{"documents": [...]}` or one document object. Sizes are checked here too (a text over
 * RAG_LIMITS.documentBytes is a 413); the route has already bounded the whole body.
 */
export function parseIngestBody(body: unknown): IngestDocument[] {
  const batch = typeof body === 'object' && body !== null && Object.hasOwn(body, 'documents');
  const docs = batch
    ? parseOrThrow(ingestBatch, body, 'request body').documents
    : [parseOrThrow(ingestDocument, body, 'request body')];
  const where = (i: number, field: string): string => (batch ? `documents[${i}].${field}` : field);
  const seen = new Map<string, number>();
  docs.forEach((doc, i) => {
    if (exceedsUtf8(doc.text, L.documentBytes)) {
      throw new ProximaError(
        'payload_too_large',
        `Document ${quote(doc.id)} is over ${L.documentBytes} bytes of UTF-8 text; split it.`,
        { param: where(i, 'text') },
      );
    }
    const first = seen.get(doc.id);
    if (first !== undefined) {
      throw new ProximaError(
        'invalid_request',
        `Invalid '${where(i, 'id')}': ${quote(doc.id)} is also documents[${first}].id; ids in one request must differ.`,
        { param: where(i, 'id') },
      );
    }
    seen.set(doc.id, i);
  });
  return docs;
}

export function parseSearchBody(body: unknown): SearchRequest {
  const req = parseOrThrow(searchBody, body, 'request body');
  return { query: req.query, topK: req.top_k, filter: req.filter ?? null, mode: req.mode };
}
