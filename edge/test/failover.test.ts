// Mid-stream failover (issue 9): a stream whose node fails carries on on another node that can
// continue it, with one id and no token repeated or lost; otherwise it ends with an error event.
import { env, evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { nodeSessionStub, type Env } from '../src/env.ts';
import type { EdgeToNode } from '@proxima/core/protocol';
import { chat, FakeNode, newApiKey, newNodeToken, readSse, unique } from './helpers.ts';

const hello = [{ role: 'user', content: 'count' }];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
type Job = Extract<EdgeToNode, { type: 'job' }>;

/** Two nodes for one model that beat every 250 ms until told to stop. */
async function pair(features: { a?: string[]; b?: string[] } = {}) {
  const key = await newApiKey();
  const model = unique('model');
  const ids = [unique('node'), unique('node')] as const;
  const a = await FakeNode.ready(ids[0], await newNodeToken(), [model], 256, features.a);
  const b = await FakeNode.ready(ids[1], await newNodeToken(), [model], 256, features.b);
  const beating = new Set([a, b]);
  const beat = setInterval(() => {
    for (const n of beating) {
      try {
        n.send({ type: 'heartbeat', inFlight: 0, queued: 0, vramFreeBytes: 0 });
      } catch {
        beating.delete(n); // closed by the test
      }
    }
  }, 250);
  return {
    key,
    model,
    a,
    b,
    /** The node id each FakeNode connected as. */
    idOf: (n: FakeNode) => (n === a ? ids[0] : ids[1]),
    silence: (n: FakeNode) => beating.delete(n),
    stop: () => clearInterval(beat),
  };
}

/** Whichever node got the job first, and the other one. */
async function firstJob(nodes: [FakeNode, FakeNode]) {
  for (let i = 0; i < 250; i++) {
    const at = nodes.findIndex((n) => n.received.some((m) => m.type === 'job'));
    const first = nodes[at];
    const other = nodes[1 - at];
    if (first && other) return { first, other, job: await first.next('job') };
    await sleep(20);
  }
  throw new Error('no node got the job');
}

function chunks(node: FakeNode, job: Job, texts: string[], from = 0): void {
  texts.forEach((text, i) => node.send({ type: 'chunk', jobId: job.jobId, seq: from + i, text }));
}

interface WireChunk {
  id?: string;
  choices?: Array<{ delta?: { content?: string }; finish_reason?: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number };
  error?: { code: string };
}

function parse(events: string[]) {
  const done = events.at(-1) === '[DONE]';
  const bodies = events.filter((e) => e !== '[DONE]').map((e) => JSON.parse(e) as WireChunk);
  return {
    done,
    ids: new Set(bodies.filter((b) => b.id).map((b) => b.id)),
    text: bodies.map((b) => b.choices?.[0]?.delta?.content ?? '').join(''),
    finish: bodies.map((b) => b.choices?.[0]?.finish_reason).find((f) => f),
    usage: bodies.find((b) => b.usage)?.usage,
    error: bodies.find((b) => b.error)?.error,
  };
}

describe('mid-stream failover', { timeout: 20_000 }, () => {
  it('continues a stream on the other node when its node disconnects, as one stream', async () => {
    const f = await pair({ a: ['continue'], b: ['continue'] });
    try {
      const pending = chat(f.key, {
        model: f.model,
        messages: hello,
        stream: true,
        max_tokens: 10,
        stream_options: { include_usage: true },
      });
      const { first, other, job } = await firstJob([f.a, f.b]);
      chunks(first, job, ['one ', 'two ']);
      const res = await pending;
      expect(res.status).toBe(200);
      // Read as a client does: the edge pulls from the node only as fast as its client reads.
      const events = readSse(res);
      await sleep(50);
      first.ws.close(1011, 'crash');
      const next = await other.next('job');
      expect(next.request.assistantPrefix).toBe('one two ');
      expect(next.request.maxTokens).toBe(8);
      expect(next.request.messages).toEqual(job.request.messages);
      chunks(other, next, ['three']);
      other.send({
        type: 'done',
        jobId: next.jobId,
        seq: 1,
        finishReason: 'stop',
        usage: { promptTokens: 7, completionTokens: 1 },
      });
      const out = parse(await events);
      expect(out).toMatchObject({ done: true, text: 'one two three', finish: 'stop' });
      expect(out.ids.size).toBe(1);
      // The two chunks the first node sent move from the second's prompt to completion.
      expect(out.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 3 });
    } finally {
      f.stop();
    }
  });

  it('continues when the node goes silent (a stall), and tells the silent node to stop', async () => {
    const f = await pair({ a: ['continue'], b: ['continue'] });
    try {
      const pending = chat(f.key, { model: f.model, messages: hello, stream: true });
      const { first, other, job } = await firstJob([f.a, f.b]);
      chunks(first, job, ['one ']);
      const events = readSse(await pending);
      f.silence(first); // like SIGSTOP: socket open, nothing arrives
      const started = Date.now();
      const next = await other.next('job', 5000);
      // HEARTBEAT_MS is 1000 in tests: silent for 1.5 intervals is stalled.
      expect(Date.now() - started).toBeLessThan(3000);
      expect(next.request.assistantPrefix).toBe('one ');
      chunks(other, next, ['two']);
      other.send({
        type: 'done',
        jobId: next.jobId,
        seq: 1,
        finishReason: 'stop',
        usage: { promptTokens: 3, completionTokens: 1 },
      });
      expect(parse(await events)).toMatchObject({ done: true, text: 'one two' });
      expect((await first.next('cancel')).jobId).toBe(job.jobId);
    } finally {
      f.stop();
    }
  });

  it('continues when chunks stop although heartbeats go on (STREAM_STALL_MS)', async () => {
    const f = await pair({ a: ['continue'], b: ['continue'] });
    try {
      const pending = chat(f.key, { model: f.model, messages: hello, stream: true });
      const { first, other, job } = await firstJob([f.a, f.b]);
      chunks(first, job, ['one ']);
      const events = readSse(await pending);
      const next = await other.next('job', 5000); // STREAM_STALL_MS is 1200 in tests
      expect(next.request.assistantPrefix).toBe('one ');
      other.send({
        type: 'done',
        jobId: next.jobId,
        seq: 0,
        finishReason: 'stop',
        usage: { promptTokens: 3, completionTokens: 0 },
      });
      expect(parse(await events)).toMatchObject({ done: true, text: 'one ' });
      expect((await first.next('cancel')).jobId).toBe(job.jobId);
    } finally {
      f.stop();
    }
  });

  it('never hangs or truncates silently when the session object of its node is reset mid-stream', async () => {
    const f = await pair({ a: ['continue'], b: ['continue'] });
    try {
      const pending = chat(f.key, { model: f.model, messages: hello, stream: true });
      const { first, other, job } = await firstJob([f.a, f.b]);
      chunks(first, job, ['one ', 'two ']);
      const events = readSse(await pending);
      await sleep(50);
      // The NodeSession object is thrown away with the stream open. Locally its stream neither
      // ends nor errors; STREAM_STALL_MS (1.2 s in tests) finds it, and the stream continues or
      // ends with an error event: either way the client is told.
      await evictDurableObject(nodeSessionStub(env as Env, f.idOf(first)));
      const answer = (async () => {
        const next = await other.next('job', 5000).catch(() => null);
        if (!next) return;
        chunks(other, next, ['three']);
        other.send({
          type: 'done',
          jobId: next.jobId,
          seq: 1,
          finishReason: 'stop',
          usage: { promptTokens: 5, completionTokens: 1 },
        });
      })();
      const out = parse(await events);
      await answer;
      expect(out.text.startsWith('one two ')).toBe(true);
      expect(out.ids.size).toBe(1);
      if (out.done) expect(out.text).toBe('one two three');
      else expect(out.error?.code).toBe('node_failed');
    } finally {
      f.stop();
    }
  });

  it('ends with an explicit error event when no other node can continue', async () => {
    // Neither announces 'continue': the first text cannot be carried on without repeating it.
    const f = await pair();
    try {
      const pending = chat(f.key, { model: f.model, messages: hello, stream: true });
      const { first, other, job } = await firstJob([f.a, f.b]);
      chunks(first, job, ['one ']);
      const res = await pending;
      await sleep(50);
      first.ws.close(1011, 'crash');
      const out = parse(await readSse(res));
      expect(out.done).toBe(false);
      expect(out.text).toBe('one ');
      expect(out.error?.code).toBe('node_failed');
      expect(other.received.some((m) => m.type === 'job')).toBe(false);
    } finally {
      f.stop();
    }
  });

  it('restarts on the other node when the first fails before any output, even without continue', async () => {
    const f = await pair();
    try {
      const pending = chat(f.key, { model: f.model, messages: hello, stream: true });
      const { first, other, job } = await firstJob([f.a, f.b]);
      const events = readSse(await pending);
      first.send({ type: 'error', jobId: job.jobId, code: 'engine_failed', message: 'oom' });
      const next = await other.next('job');
      expect(next.request.assistantPrefix).toBeUndefined();
      chunks(other, next, ['fresh']);
      other.send({
        type: 'done',
        jobId: next.jobId,
        seq: 1,
        finishReason: 'stop',
        usage: { promptTokens: 1, completionTokens: 1 },
      });
      expect(parse(await events)).toMatchObject({ done: true, text: 'fresh' });
    } finally {
      f.stop();
    }
  });

  it('ends as length when the cut comes after max_tokens chunks', async () => {
    const f = await pair({ a: ['continue'], b: ['continue'] });
    try {
      const pending = chat(f.key, { model: f.model, messages: hello, stream: true, max_tokens: 2 });
      const { first, other, job } = await firstJob([f.a, f.b]);
      chunks(first, job, ['one ', 'two']);
      const res = await pending;
      await sleep(50);
      first.ws.close(1011, 'crash');
      const out = parse(await readSse(res));
      expect(out).toMatchObject({ done: true, text: 'one two', finish: 'length' });
      expect(other.received.some((m) => m.type === 'job')).toBe(false);
    } finally {
      f.stop();
    }
  });

  it('retries a failed non-streamed job whole on the other node', async () => {
    const f = await pair();
    try {
      const pending = chat(f.key, { model: f.model, messages: hello });
      const { first, other, job } = await firstJob([f.a, f.b]);
      chunks(first, job, ['lost']);
      first.send({ type: 'error', jobId: job.jobId, code: 'engine_failed', message: 'oom' });
      const next = await other.next('job');
      chunks(other, next, ['whole']);
      other.send({
        type: 'done',
        jobId: next.jobId,
        seq: 1,
        finishReason: 'stop',
        usage: { promptTokens: 1, completionTokens: 1 },
      });
      const res = await pending;
      expect(res.status).toBe(200);
      const body = await res.json<{ choices: Array<{ message: { content: string } }> }>();
      expect(body.choices[0]?.message.content).toBe('whole');
    } finally {
      f.stop();
    }
  });
});

describe('backpressure', { timeout: 20_000 }, () => {
  it('pauses a node whose client reads slowly, and resumes it as the client catches up', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await FakeNode.ready(unique('node'), await newNodeToken(), [model], 256, ['flow']);
    const res = await chat(key, { model, messages: hello, stream: true });
    const job = await node.next('job');
    // 1 MiB of output that nobody reads yet: the edge must hold at most a bounded part of it.
    const piece = 'x'.repeat(4096);
    let sent = 0;
    while (sent < 256 && !node.received.some((m) => m.type === 'pause')) {
      node.send({ type: 'chunk', jobId: job.jobId, seq: sent++, text: piece });
      if (sent % 16 === 0) await sleep(20);
    }
    const pause = await node.next('pause', 5000);
    expect(pause.jobId).toBe(job.jobId);
    expect(sent).toBeLessThan(256);
    // The client reads; the node is resumed and finishes.
    const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader();
    if (!reader) throw new Error('no body');
    let resumed = false;
    for (let i = 0; i < 400 && !resumed; i++) {
      await reader.read();
      resumed = node.received.some((m) => m.type === 'resume');
    }
    expect(resumed).toBe(true);
    node.send({
      type: 'done',
      jobId: job.jobId,
      seq: sent,
      finishReason: 'stop',
      usage: { promptTokens: 1, completionTokens: sent },
    });
    let text = '';
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toContain('[DONE]');
  });
});
