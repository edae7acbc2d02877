import { describe, expect, it } from 'vitest';
import { unique } from './helpers.ts';
import { call, keyOf, post, search, topicText } from './rag-helpers.ts';

interface Described {
  documents: number;
  version: number;
  shards: { id: string; rows: number }[];
  splitting: string | null;
}

async function describeNs(key: string, ns: string): Promise<Described> {
  const res = await call(key, 'GET', `/v1/rag/${ns}`);
  expect(res.status).toBe(200);
  return await res.json<Described>();
}

const TOPICS = ['kernel', 'network', 'printer', 'database', 'backup', 'mailer', 'editor', 'shell'];
const docOf = (i: number) => ({ id: `doc-${i}`, text: topicText(TOPICS[i % TOPICS.length]!, i) });

describe('live shard split (RAG_SHARD_SPLIT_CHUNKS = 60 in the test config)', () => {
  it('loses no write and fails no query while shards split', async () => {
    const key = await keyOf(unique('ts'));
    const ns = unique('split');
    const written: { id: string; text: string }[] = [];
    let failedQueries = 0;
    let queries = 0;
    let sawSplit = false;
    // Writes in small batches, each followed by queries for earlier documents, while the
    // namespace's alarm splits shards between them.
    for (let batch = 0; batch < 12; batch++) {
      const docs = Array.from({ length: 20 }, (_, j) => docOf(batch * 20 + j));
      await post(key, ns, docs);
      written.push(...docs);
      const d = await describeNs(key, ns);
      if (d.splitting !== null || d.shards.length > 1) sawSplit = true;
      for (let q = 0; q < 10; q++) {
        const doc = written[(batch * 37 + q * 11) % written.length]!;
        queries++;
        const hits = await search(key, ns, doc.text, { top_k: 3 });
        if (hits[0]?.document_id !== doc.id) failedQueries++;
      }
    }
    expect(sawSplit).toBe(true);
    // Let the splits finish, then every document must be where a query finds it.
    let d = await describeNs(key, ns);
    for (let i = 0; i < 200 && d.splitting !== null; i++) {
      await new Promise((r) => setTimeout(r, 50));
      d = await describeNs(key, ns);
    }
    expect(d.splitting).toBeNull();
    expect(d.shards.length).toBeGreaterThan(2);
    expect(d.documents).toBe(written.length);
    expect(d.shards.reduce((n, s) => n + s.rows, 0)).toBe(written.length);
    for (const doc of written) {
      queries++;
      const hits = await search(key, ns, doc.text, { top_k: 3 });
      if (hits[0]?.document_id !== doc.id) failedQueries++;
    }
    expect({ failedQueries, queries }).toEqual({ failedQueries: 0, queries });
  }, 120_000);
});
