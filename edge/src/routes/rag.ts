import { ProximaError } from '@proxima/core/protocol';
import {
  parseDocumentId,
  parseIngestBody,
  parseNamespace,
  parseSearchBody,
  RAG_LIMITS,
  type NamespaceIdentity,
  type PreparedDocument,
} from '@proxima/core/rag';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import { tenantCrypto } from '../crypto/tenant-crypto.ts';
import { embedderFor } from '../embed/embedder.ts';
import type { Env } from '../env.ts';
import { forgetRoute } from '../rag/directory-cache.ts';
import { prepareDocuments, wireBytes } from '../rag/prepare.ts';
import { notFound, searchNamespace } from '../rag/search.ts';
import { namespaceStub } from '../rag/stubs.ts';
import { readJsonBody } from './read-json.ts';

export const rag = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

/** What one call to the namespace object may carry (RPC messages are bounded at 32 MiB). */
const INGEST_CALL_BYTES = 8 * 1024 * 1024;

/** A key that may chat may search and fill its tenant's namespaces (see docs/design/0017). */
rag.use('/v1/rag/*', requireApiKey('chat'));

function place(c: { get(k: 'auth'): AuthVariables['auth'] }, raw: string): NamespaceIdentity {
  return { tenant: c.get('auth').tenant, namespace: parseNamespace(raw) };
}

rag.post('/v1/rag/:namespace/documents', async (c) => {
  const id = place(c, c.req.param('namespace'));
  const docs = parseIngestBody(await readJsonBody(c.req.raw, c.env, RAG_LIMITS.ingestBodyBytes));
  const embedder = embedderFor(c.env);
  const crypto = await tenantCrypto(c.env, id.tenant, 'rag');
  const prepared = await prepareDocuments(docs, embedder, crypto, id, c.req.raw.signal);
  const stub = namespaceStub(c.env, id.tenant, id.namespace);
  const results = [];
  for (const group of groups(prepared)) {
    const answer = await stub.ingest({
      ...id,
      embedder: embedder.id,
      dim: embedder.dim,
      documents: group,
    });
    if (!answer.ok) throw new ProximaError(answer.code, answer.message, { param: 'namespace' });
    results.push(...answer.documents);
  }
  return c.json({
    object: 'list',
    namespace: id.namespace,
    data: results.map((d) => ({
      object: 'rag.document',
      id: d.id,
      version: d.version,
      chunks: d.chunks,
    })),
  });
});

rag.get('/v1/rag/:namespace/documents', async (c) => {
  const id = place(c, c.req.param('namespace'));
  const limit = listLimit(c.req.query('limit'));
  const after = decodeCursor(c.req.query('cursor'));
  const page = await namespaceStub(c.env, id.tenant, id.namespace).list(id, after, limit);
  if (!page.exists) throw notFound(id.namespace);
  const last = page.documents[page.documents.length - 1];
  return c.json({
    object: 'list',
    namespace: id.namespace,
    data: page.documents.map((d) => ({
      object: 'rag.document',
      id: d.id,
      version: d.version,
      chunks: d.chunks,
      format: d.format,
      bytes: d.bytes,
      metadata: JSON.parse(d.metadata) as unknown,
      updated_at: Math.floor(d.updatedAt / 1000),
    })),
    has_more: page.more,
    next_cursor: page.more && last !== undefined ? encodeCursor(last.id) : null,
  });
});

rag.delete('/v1/rag/:namespace/documents/:id{.+}', async (c) => {
  const id = place(c, c.req.param('namespace'));
  const doc = parseDocumentId(c.req.param('id'));
  const result = await namespaceStub(c.env, id.tenant, id.namespace).remove(id, doc);
  if (!result.found)
    throw new ProximaError('not_found', `No document '${doc}' in namespace '${id.namespace}'.`, {
      param: 'id',
    });
  return c.json({
    object: 'rag.document.deleted',
    id: doc,
    deleted: true,
    version: result.version,
  });
});

rag.delete('/v1/rag/:namespace', async (c) => {
  const id = place(c, c.req.param('namespace'));
  const result = await namespaceStub(c.env, id.tenant, id.namespace).drop(id);
  forgetRoute(id);
  if (!result.dropped) throw notFound(id.namespace);
  return c.json({ object: 'rag.namespace.deleted', namespace: id.namespace, deleted: true });
});

rag.get('/v1/rag/:namespace', async (c) => {
  const id = place(c, c.req.param('namespace'));
  const d = await namespaceStub(c.env, id.tenant, id.namespace).describe(id);
  if (!d.exists) throw notFound(id.namespace);
  const { exists: _exists, ...view } = d;
  return c.json({ object: 'rag.namespace', namespace: id.namespace, ...view });
});

rag.post('/v1/rag/:namespace/search', async (c) => {
  const id = place(c, c.req.param('namespace'));
  const req = parseSearchBody(await readJsonBody(c.req.raw, c.env));
  const crypto = await tenantCrypto(c.env, id.tenant, 'rag');
  const hits = await searchNamespace(c.env, id, req, embedderFor(c.env), crypto);
  return c.json({ object: 'list', namespace: id.namespace, data: hits });
});

/** Prepared documents cut into calls of bounded size, in order. */
function groups(docs: readonly PreparedDocument[]): PreparedDocument[][] {
  const out: PreparedDocument[][] = [];
  let current: PreparedDocument[] = [];
  let bytes = 0;
  for (const d of docs) {
    const size = wireBytes(d);
    if (current.length > 0 && bytes + size > INGEST_CALL_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(d);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function listLimit(raw: string | undefined): number {
  if (raw === undefined) return RAG_LIMITS.listLimitDefault;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > RAG_LIMITS.listLimitMax)
    throw new ProximaError(
      'invalid_request',
      `Invalid 'limit': must be an integer in 1..${RAG_LIMITS.listLimitMax}.`,
      { param: 'limit' },
    );
  return n;
}

const badCursor = () =>
  new ProximaError('invalid_request', `Invalid 'cursor': pass back a next_cursor from a listing.`, {
    param: 'cursor',
  });

function encodeCursor(id: string): string {
  const bytes = new TextEncoder().encode(id);
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replaceAll('=', '');
}

function decodeCursor(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  if (raw.length > RAG_LIMITS.cursorChars || !/^[A-Za-z0-9_-]+$/.test(raw)) throw badCursor();
  try {
    const bin = atob(raw.replaceAll('-', '+').replaceAll('_', '/'));
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      Uint8Array.from(bin, (ch) => ch.charCodeAt(0)),
    );
  } catch {
    throw badCursor();
  }
}
