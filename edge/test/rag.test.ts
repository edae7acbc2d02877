import { env as testEnv, runInDurableObject } from 'cloudflare:test';
import type { Env } from '../src/env.ts';
import { describe, expect, it } from 'vitest';
import type { ErrorJson } from './helpers.ts';

const env = testEnv as Env;
import { unique } from './helpers.ts';
import { call, keyOf, post, search, topicText } from './rag-helpers.ts';

describe('RAG documents and search', () => {
  it('finds a document right after it is posted (read-your-writes), in every mode', async () => {
    const key = await keyOf(unique('t'));
    const ns = unique('docs');
    const written = await post(key, ns, [
      { id: 'man1/cp.1', text: 'cp copies files and directories from a source to a destination.' },
      { id: 'man1/mv.1', text: 'mv moves or renames files, across file systems if needed.' },
      {
        id: 'guide.md',
        text: '# Backups\n\nUse **rsync** to mirror a directory tree to another host.',
        format: 'markdown',
      },
    ]);
    expect(written.map((d) => [d.id, d.version])).toEqual([
      ['man1/cp.1', 1],
      ['man1/mv.1', 1],
      ['guide.md', 1],
    ]);
    for (const mode of ['hybrid', 'vector', 'bm25']) {
      const hits = await search(key, ns, 'rename a file', { mode, top_k: 2 });
      expect(hits[0]?.document_id, mode).toBe('man1/mv.1');
    }
    const [top] = await search(key, ns, 'mirror a directory tree with rsync');
    expect(top).toMatchObject({ document_id: 'guide.md', chunk_id: 'guide.md#0', version: 1 });
    expect(top!.text).toContain('Use rsync to mirror');
    expect(top!.text).not.toContain('**');
  });

  it('replaces a re-posted id, bumping its version, and forgets the old text', async () => {
    const key = await keyOf(unique('t'));
    const ns = unique('docs');
    await post(key, ns, [{ id: 'a', text: 'the old text mentions zebras grazing' }]);
    const [again] = await post(key, ns, [
      { id: 'a', text: 'the new text mentions giraffes instead' },
    ]);
    expect(again!.version).toBe(2);
    expect(await search(key, ns, 'zebras', { mode: 'bm25' })).toEqual([]);
    const hits = await search(key, ns, 'giraffes');
    expect(hits.map((h) => [h.document_id, h.version])).toEqual([['a', 2]]);
  });

  it('deletes a document by an id with slashes, spaces and emoji, and lists with a cursor', async () => {
    const key = await keyOf(unique('t'));
    const ns = unique('docs');
    const ids = ['man2/open.2', 'docs/a b.md', 'notes/🦊.txt', 'z'];
    await post(
      key,
      ns,
      ids.map((id, i) => ({ id, text: topicText(`t${i}`, i), metadata: { n: i } })),
    );
    const del = await call(
      key,
      'DELETE',
      `/v1/rag/${ns}/documents/${encodeURIComponent('notes/🦊.txt')}`,
    );
    expect(del.status).toBe(200);
    const again = await call(
      key,
      'DELETE',
      `/v1/rag/${ns}/documents/${encodeURIComponent('notes/🦊.txt')}`,
    );
    expect(again.status).toBe(404);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor === null ? '' : `&cursor=${cursor}`;
      const res = await call(key, 'GET', `/v1/rag/${ns}/documents?limit=2${q}`);
      const page = await res.json<{ data: { id: string }[]; next_cursor: string | null }>();
      seen.push(...page.data.map((d) => d.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(['docs/a b.md', 'man2/open.2', 'z']);
    const raw = await call(key, 'DELETE', `/v1/rag/${ns}/documents/man2/open.2`);
    expect(raw.status).toBe(200);
    for (const id of ['docs/a b.md', 'z'])
      await call(key, 'DELETE', `/v1/rag/${ns}/documents/${encodeURIComponent(id)}`);
    // Emptied is not dropped: the namespace is still there, with no documents.
    const emptied = await call(key, 'GET', `/v1/rag/${ns}`);
    expect(emptied.status).toBe(200);
    expect(await emptied.json<{ documents: number }>()).toMatchObject({ documents: 0 });
  });

  it('filters by metadata', async () => {
    const key = await keyOf(unique('t'));
    const ns = unique('docs');
    await post(key, ns, [
      { id: 'en', text: 'restart the network service', metadata: { lang: 'en' } },
      { id: 'de', text: 'restart the network service now', metadata: { lang: 'de' } },
    ]);
    const hits = await search(key, ns, 'restart network', { filter: { lang: 'de' } });
    expect(hits.map((h) => h.document_id)).toEqual(['de']);
    const any = await search(key, ns, 'restart network', {
      filter: { lang: { $in: ['de', 'en'] } },
    });
    expect(any.map((h) => h.document_id).sort()).toEqual(['de', 'en']);
  });

  it('refuses bad input with a 4xx naming the field', async () => {
    const key = await keyOf(unique('t'));
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/rag/bad:ns/documents', { id: 'a', text: 'x' }, 400, 'namespace'],
      [
        'POST',
        '/v1/rag/ns/documents',
        { documents: [{ id: 'a', text: 'x', format: 'pdf' }] },
        400,
        'documents[0].format',
      ],
      [
        'POST',
        '/v1/rag/ns/documents',
        { documents: [{ id: '', text: 'x' }] },
        400,
        'documents[0].id',
      ],
      ['POST', '/v1/rag/ns/search', { query: 'x', top_k: 51 }, 400, 'top_k'],
      ['POST', '/v1/rag/ns/search', { query: '' }, 400, 'query'],
      ['GET', '/v1/rag/ns/documents?limit=0', undefined, 400, 'limit'],
      ['GET', '/v1/rag/ns/documents?cursor=%%%', undefined, 400, 'cursor'],
    ];
    for (const [method, path, body, status, param] of cases) {
      const res = await call(key, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect((await res.json<ErrorJson>()).error.param, `${method} ${path}`).toBe(param);
    }
    const big = 'x'.repeat(2 * 1024 * 1024 + 1);
    const res = await call(key, 'POST', '/v1/rag/ns/documents', { id: 'big', text: big });
    expect([400, 413]).toContain(res.status);
    // A single document (not a batch) is named by its own fields.
    expect((await res.json<ErrorJson>()).error.param).toBe('text');
  });

  it('answers 404 for a namespace that holds nothing, and after it is dropped', async () => {
    const key = await keyOf(unique('t'));
    const ns = unique('docs');
    expect((await call(key, 'POST', `/v1/rag/${ns}/search`, { query: 'x' })).status).toBe(404);
    await post(key, ns, [{ id: 'a', text: 'alpha beta gamma' }]);
    expect((await search(key, ns, 'alpha')).length).toBe(1);
    expect((await call(key, 'DELETE', `/v1/rag/${ns}`)).status).toBe(200);
    expect((await call(key, 'POST', `/v1/rag/${ns}/search`, { query: 'alpha' })).status).toBe(404);
    await post(key, ns, [{ id: 'b', text: 'delta epsilon' }]);
    expect((await search(key, ns, 'alpha', { mode: 'bm25' })).length).toBe(0);
    expect((await search(key, ns, 'delta')).map((h) => h.document_id)).toEqual(['b']);
  });
});

describe('tenants', () => {
  it('never see each other’s documents, even in a namespace of the same name', async () => {
    const a = await keyOf(unique('ta'));
    const b = await keyOf(unique('tb'));
    const ns = unique('shared');
    await post(a, ns, [{ id: 'secret', text: 'the launch code of tenant a is swordfish' }]);
    expect(
      (await call(b, 'POST', `/v1/rag/${ns}/search`, { query: 'launch code swordfish' })).status,
    ).toBe(404);
    await post(b, ns, [{ id: 'mine', text: 'tenant b keeps its own notes about fish' }]);
    const hits = await search(b, ns, 'launch code swordfish', { top_k: 50 });
    expect(hits.map((h) => h.document_id)).toEqual(['mine']);
    expect((await call(b, 'DELETE', `/v1/rag/${ns}/documents/secret`)).status).toBe(404);
    expect((await search(a, ns, 'swordfish')).map((h) => h.document_id)).toEqual(['secret']);
  });

  it('the objects refuse a call that names another tenant or namespace', async () => {
    const tenant = unique('tc');
    const key = await keyOf(tenant);
    const ns = unique('docs');
    await post(key, ns, [{ id: 'a', text: 'private words' }]);
    const shard = env.LSH_SHARD.get(env.LSH_SHARD.idFromName(`${tenant}:${ns}:0`));
    const query = {
      shard: `${tenant}:${ns}:0`,
      embedder: 'lexical-hash-v1/256',
      dim: 256,
      version: 1,
      vector: null,
      terms: [],
      k: 10,
      filter: null,
    };
    // Called inside the objects, so the refusal is caught here rather than crossing RPC.
    await runInDurableObject(shard, (instance) => {
      expect(() => instance.search({ ...query, tenant: 'intruder', namespace: ns })).toThrow(
        /belongs to/,
      );
      expect(() => instance.search({ ...query, tenant, namespace: 'other' })).toThrow(/belongs to/);
      expect(instance.search({ ...query, tenant, namespace: ns }).ok).toBe(true);
    });
    const victim = env.RAG_NAMESPACE.get(env.RAG_NAMESPACE.idFromName(`${tenant}/${ns}`));
    await runInDurableObject(victim, (instance) => {
      expect(() => instance.route({ tenant: 'intruder', namespace: ns })).toThrow(/refused/);
      expect(instance.route({ tenant, namespace: ns })).not.toBeNull();
    });
  });
});

describe('shard memory', () => {
  it('loads a shard on its first search, frees it when idle, and answers the same after', async () => {
    const tenant = unique('mem');
    const key = await keyOf(tenant);
    const ns = unique('docs');
    await post(
      key,
      ns,
      Array.from({ length: 12 }, (_, i) => ({ id: `d${i}`, text: topicText('zebra', i) })),
    );
    const id = `${tenant}:${ns}:0`;
    const shard = env.LSH_SHARD.get(env.LSH_SHARD.idFromName(id));
    const stats = () => shard.stats({ tenant, namespace: ns, shard: id });
    // Writes alone never load the index.
    expect(await stats()).toMatchObject({ rows: 12, loaded: false });
    const first = await search(key, ns, 'zebra7 daemon', { top_k: 5 });
    expect(first[0]?.document_id).toBe('d7');
    expect((await stats()).loaded).toBe(true);
    // RAG_SHARD_IDLE_MS is 400 in the test build.
    const deadline = Date.now() + 10_000;
    while ((await stats()).loaded && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect((await stats()).loaded).toBe(false);
    // A write while the index is out of memory is seen by the search that loads it again.
    await post(key, ns, [{ id: 'late', text: topicText('zebra', 99) }]);
    expect(await search(key, ns, 'zebra7 daemon', { top_k: 5 })).toEqual(first);
    expect((await search(key, ns, 'zebra99 daemon', { top_k: 1 }))[0]?.document_id).toBe('late');
    expect(await stats()).toMatchObject({ rows: 13, loaded: true });
  });
});

describe('encryption at rest', () => {
  it('stores chunk text only sealed', async () => {
    const tenant = unique('te');
    const key = await keyOf(tenant);
    const ns = unique('docs');
    await post(key, ns, [{ id: 'a', text: 'plaintext-marker-4711 must never be stored in clear' }]);
    const shard = env.LSH_SHARD.get(env.LSH_SHARD.idFromName(`${tenant}:${ns}:0`));
    const rows = await runInDurableObject(shard, (_instance, state) =>
      state.storage.sql.exec('SELECT * FROM chunks').toArray(),
    );
    expect(rows.length).toBe(1);
    const dump = new TextDecoder().decode(
      new Uint8Array((rows[0]!['sealed'] as ArrayBuffer).slice(0)),
    );
    expect(dump).not.toContain('plaintext-marker-4711');
    expect(JSON.stringify(rows[0])).not.toContain('plaintext-marker');
  });
});
