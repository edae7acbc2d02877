import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  BASE,
  chat,
  chatUntilStatus,
  FakeNode,
  newApiKey,
  newNodeToken,
  readSse,
  unique,
} from './helpers.ts';

const hello = [{ role: 'user', content: 'hi' }];

async function fleet() {
  const key = await newApiKey();
  const token = await newNodeToken();
  const model = unique('model');
  const node = await FakeNode.ready(unique('node'), token, [model]);
  return { key, token, model, node };
}

describe('node sessions', () => {
  it('refuses a node without a valid token with close code 4401', async () => {
    const node = await FakeNode.connect('n1', 'pxn_wrong-token');
    const closed = await node.waitClosed();
    expect(closed.code).toBe(4401);
    expect(closed.reason).toContain('node token');
  });

  it('refuses an invalid node id with close code 4400', async () => {
    const node = await FakeNode.connect('bad%20id', await newNodeToken());
    expect((await node.waitClosed()).code).toBe(4400);
  });

  it('answers 426 to a plain GET on the connect route', async () => {
    expect((await SELF.fetch(`${BASE}/v1/nodes/connect?node=n1`)).status).toBe(426);
  });

  it('lists the models of connected nodes', async () => {
    const { key, model } = await fleet();
    const res = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const body: { data: Array<{ id: string; object: string }> } = await res.json();
    expect(body.data.map((m) => m.id)).toContain(model);
  });

  it('routes a non-streamed chat to the node and returns its answer with usage', async () => {
    const { key, model, node } = await fleet();
    const pending = chat(key, { model, messages: hello, max_tokens: 5 });
    const job = await node.next('job');
    expect(job.request).toMatchObject({ model, maxTokens: 5, messages: hello });
    node.send({ type: 'chunk', jobId: job.jobId, seq: 0, text: 'Hel' });
    node.send({ type: 'chunk', jobId: job.jobId, seq: 1, text: 'lo' });
    node.send({
      type: 'done',
      jobId: job.jobId,
      seq: 2,
      finishReason: 'length',
      usage: { promptTokens: 3, completionTokens: 2 },
    });
    const res = await pending;
    expect(res.status).toBe(200);
    const body: {
      choices: Array<{ message: { content: string }; finish_reason: string }>;
      usage: { total_tokens: number };
    } = await res.json();
    expect(body.choices[0]?.message.content).toBe('Hello');
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect(body.usage.total_tokens).toBe(5);
  });

  it('streams SSE chunks in order, drops duplicates, and ends with [DONE]', async () => {
    const { key, model, node } = await fleet();
    const pending = chat(key, {
      model,
      messages: hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    const job = await node.next('job');
    node.send({ type: 'chunk', jobId: job.jobId, seq: 0, text: 'a' });
    node.send({ type: 'chunk', jobId: job.jobId, seq: 0, text: 'a' });
    node.send({ type: 'chunk', jobId: job.jobId, seq: 1, text: 'b' });
    node.send({
      type: 'done',
      jobId: job.jobId,
      seq: 2,
      finishReason: 'stop',
      usage: { promptTokens: 1, completionTokens: 2 },
    });
    const res = await pending;
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await readSse(res);
    expect(events.at(-1)).toBe('[DONE]');
    const parsed = events.slice(0, -1).map(
      (e) =>
        JSON.parse(e) as {
          choices: Array<{ delta: { content?: string }; finish_reason: string | null }>;
          usage?: unknown;
        },
    );
    const text = parsed.map((p) => p.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('ab');
    expect(parsed.some((p) => p.choices[0]?.finish_reason === 'stop')).toBe(true);
    expect(parsed.at(-1)?.usage).toEqual({
      prompt_tokens: 1,
      completion_tokens: 2,
      total_tokens: 3,
    });
  });

  it('ends a stream with an error event when the node drops mid-answer', async () => {
    const { key, model, node } = await fleet();
    const pending = chat(key, { model, messages: hello, stream: true });
    const job = await node.next('job');
    node.send({ type: 'chunk', jobId: job.jobId, seq: 0, text: 'partial' });
    const res = await pending;
    node.ws.close(1011, 'crash');
    const events = await readSse(res);
    expect(events).not.toContain('[DONE]');
    const last = JSON.parse(events.at(-1) ?? '{}') as { error?: { code: string } };
    expect(last.error?.code).toBe('node_failed');
  });

  it('fails a job on a sequence gap instead of losing text', async () => {
    const { key, model, node } = await fleet();
    const pending = chat(key, { model, messages: hello });
    const job = await node.next('job');
    node.send({ type: 'chunk', jobId: job.jobId, seq: 1, text: 'skipped one' });
    const res = await pending;
    expect(res.status).toBe(502);
    expect((await node.next('cancel')).jobId).toBe(job.jobId);
  });

  it('relays a node-side job error as a 502 with a classified message', async () => {
    const { key, model, node } = await fleet();
    const pending = chat(key, { model, messages: hello });
    const job = await node.next('job');
    node.send({ type: 'error', jobId: job.jobId, code: 'engine_failed', message: 'out of memory' });
    const res = await pending;
    expect(res.status).toBe(502);
    const body: { error: { message: string } } = await res.json();
    expect(body.error.message).toBe('The node failed while generating the answer.');
  });

  it('cancels the job on the node when the client goes away', async () => {
    const { key, model, node } = await fleet();
    const res = await chat(key, { model, messages: hello, stream: true });
    const job = await node.next('job');
    node.send({ type: 'chunk', jobId: job.jobId, seq: 0, text: 'x' });
    const reader = res.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    const cancel = await node.next('cancel', 1000);
    expect(cancel).toMatchObject({ jobId: job.jobId, reason: 'client went away' });
  });

  it('cancels a non-streamed job on the node when the client aborts', async () => {
    const { key, model, node } = await fleet();
    const controller = new AbortController();
    const pending = chat(key, { model, messages: hello }, { signal: controller.signal }).catch(
      (err: unknown) => err,
    );
    const job = await node.next('job');
    controller.abort();
    await pending;
    expect(await node.next('cancel', 1000)).toMatchObject({
      jobId: job.jobId,
      reason: 'client went away',
    });
  });

  it.each([
    ['not json', 'frame is not JSON'],
    [
      JSON.stringify({ type: 'heartbeat', inFlight: -1, queued: 0, vramFreeBytes: 0 }),
      'invalid inFlight',
    ],
    [JSON.stringify({ type: 'launch' }), 'invalid type'],
  ])('closes with 4400 and a reason on a malformed message: %s', async (frame, reason) => {
    const { node } = await fleet();
    node.sendRaw(frame);
    const closed = await node.waitClosed();
    expect(closed.code).toBe(4400);
    expect(closed.reason).toContain(reason);
  });

  it('requires hello first and refuses another protocol version', async () => {
    const a = await FakeNode.connect(unique('node'), await newNodeToken());
    a.send({ type: 'heartbeat', inFlight: 0, queued: 0, vramFreeBytes: 0 });
    expect((await a.waitClosed()).reason).toContain('hello');
    const id = unique('node');
    const b = await FakeNode.connect(id, await newNodeToken());
    b.send({
      type: 'hello',
      protocol: 99,
      nodeId: id,
      agent: 'x',
      engine: 'x',
      gpu: 'cpu',
      vramTotalBytes: 0,
      vramFreeBytes: 0,
      slots: 1,
      models: [{ id: 'm', contextSize: 1, description: '' }],
    });
    expect((await b.waitClosed()).code).toBe(4406);
  });

  it('skips a draining node', async () => {
    const { key, model, node } = await fleet();
    node.send({ type: 'drain' });
    expect((await chatUntilStatus(key, { model, messages: hello }, 503)).status).toBe(503);
  });

  it('routes each model to a node that serves it', async () => {
    const key = await newApiKey();
    const [m1, m2] = [unique('model'), unique('model')];
    const a = await FakeNode.ready(unique('node'), await newNodeToken(), [m1]);
    const b = await FakeNode.ready(unique('node'), await newNodeToken(), [m2]);
    const pending = chat(key, { model: m2, messages: hello });
    const job = await b.next('job');
    expect(a.received.some((m) => m.type === 'job')).toBe(false);
    b.send({
      type: 'done',
      jobId: job.jobId,
      seq: 0,
      finishReason: 'stop',
      usage: { promptTokens: 1, completionTokens: 0 },
    });
    expect((await pending).status).toBe(200);
  });

  it('drops a node that stops sending heartbeats', async () => {
    const { key, model, node } = await fleet();
    // HEARTBEAT_MS is 1000 in tests: three silent intervals and the session closes the socket.
    const closed = await node.waitClosed(8000);
    expect(closed.reason).toContain('heartbeats stopped');
    expect((await chatUntilStatus(key, { model, messages: hello }, 503)).status).toBe(503);
  });

  it('fails a job whose node goes quiet with 504 and cancels it on the node', async () => {
    const { key, model, node } = await fleet();
    const beat = setInterval(
      () => node.send({ type: 'heartbeat', inFlight: 1, queued: 0, vramFreeBytes: 0 }),
      300,
    );
    try {
      const pending = chat(key, { model, messages: hello });
      const job = await node.next('job');
      node.send({ type: 'chunk', jobId: job.jobId, seq: 0, text: 'then nothing' });
      // JOB_IDLE_TIMEOUT_MS is 2500 in tests.
      const res = await pending;
      expect(res.status).toBe(504);
      expect((await res.json<{ error: { code: string } }>()).error.code).toBe('upstream_timeout');
      expect((await node.next('cancel')).jobId).toBe(job.jobId);
    } finally {
      clearInterval(beat);
    }
  });

  it('a reconnect with the same node id replaces the old socket', async () => {
    const token = await newNodeToken();
    const id = unique('node');
    const first = await FakeNode.ready(id, token, [unique('model')]);
    await FakeNode.ready(id, token, [unique('model')]);
    expect((await first.waitClosed()).code).toBe(4409);
  });
});
