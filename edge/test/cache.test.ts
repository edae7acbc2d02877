// The semantic cache around chat completions, against a fake node that numbers its answers: a
// node answer and a cached one are told apart by their text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeToNode } from '@proxima/core/protocol';
import { adminPost, chat, FakeNode, newNodeToken, readSse, unique } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';
import { call, keyOf, post } from './rag-helpers.ts';

type Job = Extract<EdgeToNode, { type: 'job' }>;

const model = unique('cache-model');
const jobs: Job[] = [];
let node: FakeNode;
let stop: () => Promise<void>;

beforeAll(async () => {
  node = await FakeNode.ready(unique('node'), await newNodeToken(), [model], 4096);
  let answering = true;
  const beat = setInterval(
    () => node.send({ type: 'heartbeat', inFlight: 0, queued: 0, vramFreeBytes: 0 }),
    250,
  );
  const loop = (async () => {
    while (answering) {
      const job = await node.next('job', 200).catch(() => null);
      if (!job) continue;
      jobs.push(job);
      const text = `answer number ${jobs.length}`;
      node.send({ type: 'chunk', jobId: job.jobId, seq: 0, text });
      node.send({
        type: 'done',
        jobId: job.jobId,
        seq: 1,
        finishReason: 'stop',
        usage: { promptTokens: 3, completionTokens: 3 },
      });
    }
  })();
  stop = async () => {
    answering = false;
    clearInterval(beat);
    await loop;
  };
});

afterAll(async () => stop());

const user = (content: string) => [{ role: 'user', content }];

async function ask(
  key: string,
  messages: unknown[],
  cache: Record<string, unknown> | null,
  extra: Record<string, unknown> = {},
) {
  const res = await chat(key, {
    model,
    messages,
    ...(cache === null ? {} : { proxima: { cache, ...((extra['proxima'] as object) ?? {}) } }),
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'proxima')),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const body = await res.json<{
    choices: { message: { content: string } }[];
    proxima?: { rag?: { documents: { id: string; version: number; chunks: string[] }[] } };
  }>();
  return {
    text: body.choices[0]!.message.content,
    status: res.headers.get('x-proxima-cache'),
    similarity: res.headers.get('x-proxima-similarity'),
    body,
  };
}

/** Asks until the answer comes from the cache: the edge stores an answer after it responded. */
async function askUntilHit(
  key: string,
  messages: unknown[],
  cache: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  let got = await ask(key, messages, cache, extra);
  for (let i = 0; i < 40 && got.status !== 'HIT'; i++) {
    await new Promise((r) => setTimeout(r, 25));
    got = await ask(key, messages, cache, extra);
  }
  expect(got.status).toBe('HIT');
  return got;
}

describe('exact and semantic hits', () => {
  it('answers a repeated prompt from the cache, and a reworded one semantically', async () => {
    const key = await keyOf(unique('t'));
    const first = await ask(key, user('How do I restart the nginx service?'), { mode: 'semantic' });
    expect(first.status).toBe('MISS');
    const again = await askUntilHit(key, user('How do I restart the nginx service?'), {
      mode: 'semantic',
    });
    expect(again).toMatchObject({ text: first.text, similarity: '1.0000' });
    const reworded = await ask(key, user('how do i restart the nginx service please'), {
      mode: 'semantic',
    });
    expect(reworded.status).toBe('SEMANTIC_HIT');
    expect(reworded.text).toBe(first.text);
    expect(Number(reworded.similarity)).toBeLessThan(1);
  });

  it('never answers a prompt that differs in a number, a negation, a polarity word or an entity', async () => {
    const key = await keyOf(unique('t'));
    const base = 'Please enable the firewall on host web01 and upgrade it to version 2.1';
    await ask(key, user(base), { mode: 'semantic', threshold: 0.5 });
    const stored = await askUntilHit(key, user(base), { mode: 'semantic', threshold: 0.5 });
    for (const near of [
      'Please enable the firewall on host web01 and upgrade it to version 3.0',
      'Please do not enable the firewall on host web01 and upgrade it to version 2.1',
      'Please disable the firewall on host web01 and upgrade it to version 2.1',
      'Please enable the firewall on host db02 and upgrade it to version 2.1',
    ]) {
      const got = await ask(key, user(near), { mode: 'semantic', threshold: 0.5 });
      expect(got.status, near).toBe('MISS');
      expect(got.text, near).not.toBe(stored.text);
    }
  });

  it('keys on the earlier turns, not only the last message', async () => {
    const key = await keyOf(unique('t'));
    const about = (who: string) => [
      { role: 'user', content: `Tell me about ${who}.` },
      { role: 'assistant', content: `${who} is a character in the story.` },
      { role: 'user', content: 'How old is he?' },
    ];
    await ask(key, about('Alice'), { mode: 'semantic' });
    const alice = await askUntilHit(key, about('Alice'), { mode: 'semantic' });
    const bob = await ask(key, about('Bob'), { mode: 'semantic' });
    expect(bob.status).toBe('MISS');
    expect(bob.text).not.toBe(alice.text);
    expect((await ask(key, about('Alice'), { mode: 'semantic' })).status).toBe('HIT');
  });

  it('never crosses tenants', async () => {
    const a = await keyOf(unique('ta'));
    const b = await keyOf(unique('tb'));
    const prompt = user('What is the office wifi password?');
    await ask(a, prompt, { mode: 'semantic' });
    const fromA = await askUntilHit(a, prompt, { mode: 'semantic' });
    const fromB = await ask(b, prompt, { mode: 'semantic' });
    expect(fromB.status).toBe('MISS');
    expect(fromB.text).not.toBe(fromA.text);
  });

  it('is off unless asked, and refuses bad options naming the field', async () => {
    const key = await keyOf(unique('t'));
    const off = await ask(key, user('plain question'), null);
    expect(off.status).toBeNull();
    const res = await chat(key, {
      model,
      messages: user('x'),
      proxima: { cache: { mode: 'semantic', threshold: 7 } },
    });
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error.param).toBe('proxima.cache.threshold');
  });
});

describe('replay as a stream', () => {
  it('replays a hit as a well-formed SSE stream, and caches a streamed answer', async () => {
    const key = await keyOf(unique('t'));
    const streamed = await chat(key, {
      model,
      messages: user('Stream me the backup policy'),
      stream: true,
      proxima: { cache: { mode: 'exact' } },
    });
    expect(streamed.headers.get('x-proxima-cache')).toBe('MISS');
    const live = await readSse(streamed);
    expect(live.at(-1)).toBe('[DONE]');
    // Give the edge's waitUntil a moment to store the answer.
    let hit = await chat(key, {
      model,
      messages: user('Stream me the backup policy'),
      stream: true,
      stream_options: { include_usage: true },
      proxima: { cache: { mode: 'exact' } },
    });
    for (let i = 0; i < 20 && hit.headers.get('x-proxima-cache') !== 'HIT'; i++) {
      await hit.text();
      await new Promise((r) => setTimeout(r, 25));
      hit = await chat(key, {
        model,
        messages: user('Stream me the backup policy'),
        stream: true,
        stream_options: { include_usage: true },
        proxima: { cache: { mode: 'exact' } },
      });
    }
    expect(hit.headers.get('x-proxima-cache')).toBe('HIT');
    expect(hit.headers.get('content-type')).toContain('text/event-stream');
    const events = await readSse(hit);
    expect(events.at(-1)).toBe('[DONE]');
    const parsed = events.slice(0, -1).map(
      (e) =>
        JSON.parse(e) as {
          id: string;
          choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[];
          usage?: unknown;
        },
    );
    expect(new Set(parsed.map((p) => p.id)).size).toBe(1);
    expect(parsed[0]!.choices[0]!.delta.role).toBe('assistant');
    const text = parsed.map((p) => p.choices[0]?.delta.content ?? '').join('');
    const liveText = live
      .slice(0, -1)
      .map(
        (e) =>
          (JSON.parse(e) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta
            .content ?? '',
      )
      .join('');
    expect(text).toBe(liveText);
    expect(parsed.filter((p) => p.choices[0]?.finish_reason === 'stop').length).toBe(1);
    expect(parsed.at(-1)!.usage).toBeDefined();
  });
});

describe('invalidation', () => {
  it('expires by TTL, drops by tag, and flushes by epoch', async () => {
    const key = await keyOf(unique('t'));
    await ask(key, user('short lived'), { mode: 'exact', ttl: 1 });
    await askUntilHit(key, user('short lived'), { mode: 'exact', ttl: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await ask(key, user('short lived'), { mode: 'exact' })).status).toBe('MISS');

    await ask(key, user('tagged answer'), { mode: 'exact', tags: ['faq:net'] });
    await askUntilHit(key, user('tagged answer'), { mode: 'exact' });
    const inv = await call(key, 'POST', '/v1/cache/invalidate', { prefix: 'faq:' });
    expect((await inv.json<{ invalidated: number }>()).invalidated).toBe(1);
    expect((await ask(key, user('tagged answer'), { mode: 'exact' })).status).toBe('MISS');

    await askUntilHit(key, user('tagged answer'), { mode: 'exact' });
    expect((await adminPost('/admin/cache/flush', {})).status).toBe(200);
    expect((await ask(key, user('tagged answer'), { mode: 'exact' })).status).toBe('MISS');
  });

  it('grounds a chat in a namespace, cites it, and forgets the answer when the document changes', async () => {
    const key = await keyOf(unique('t'));
    const ns = unique('kb');
    await post(key, ns, [
      { id: 'vpn.md', text: 'To reach the VPN, run wg-quick up office and use port 51820.' },
      { id: 'print.md', text: 'Printers are on the third floor and use the lpr command.' },
    ]);
    const rag = { rag: { namespace: ns, top_k: 1 } };
    const asked = await ask(
      key,
      user('How do I reach the VPN?'),
      { mode: 'exact' },
      { proxima: rag },
    );
    const job = jobs.at(-1)!;
    const grounding = job.request.messages.find((m) => m.role === 'system');
    expect(grounding?.content).toContain('[vpn.md#0]');
    expect(grounding?.content).toContain('wg-quick up office');
    expect(asked.body.proxima?.rag?.documents).toEqual([
      { id: 'vpn.md', version: 1, chunks: ['vpn.md#0'] },
    ]);
    await askUntilHit(key, user('How do I reach the VPN?'), { mode: 'exact' }, { proxima: rag });
    await post(key, ns, [
      { id: 'vpn.md', text: 'The VPN moved: run wg-quick up hq on port 51821.' },
    ]);
    const after = await ask(
      key,
      user('How do I reach the VPN?'),
      { mode: 'exact' },
      { proxima: rag },
    );
    expect(after.status).toBe('MISS');
    expect(jobs.at(-1)!.request.messages.find((m) => m.role === 'system')?.content).toContain(
      'wg-quick up hq',
    );
  });
});
