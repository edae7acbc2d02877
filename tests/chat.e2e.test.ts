import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { eventually, useTestFleet } from './fleet.ts';

const f = useTestFleet();
const model = 'proxima-demo';
const messages = [{ role: 'user' as const, content: 'Say something.' }];

describe('chat through edge -> NodeSession -> node -> llama.cpp, with the official openai client', () => {
  it('lists the served model', async () => {
    const list = await f.client.models.list();
    expect(list.data.map((m) => m.id)).toContain(model);
  });

  it('answers a non-streamed chat with OpenAI shapes and usage', async () => {
    const res = await f.client.chat.completions.create({ model, messages, max_tokens: 8, seed: 1 });
    expect(res.object).toBe('chat.completion');
    const choice = res.choices[0];
    expect(typeof choice?.message.content).toBe('string');
    expect(['stop', 'length']).toContain(choice?.finish_reason);
    expect(res.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage?.completion_tokens).toBeGreaterThan(0);
    expect(res.usage?.completion_tokens).toBeLessThanOrEqual(8);
    if (choice?.finish_reason === 'length') expect(res.usage?.completion_tokens).toBe(8);
    expect(res.usage?.total_tokens).toBe(
      (res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0),
    );
  });

  it('streams tokens incrementally and ends cleanly, with usage when asked', async () => {
    const stream = await f.client.chat.completions.create({
      model,
      messages,
      max_tokens: 64,
      stream: true,
      stream_options: { include_usage: true },
    });
    let contentChunks = 0;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) contentChunks++;
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(contentChunks).toBeGreaterThanOrEqual(2);
    expect(['stop', 'length']).toContain(finish);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('cancels the job on the node when the client goes away mid-stream', async () => {
    const controller = new AbortController();
    const stream = await f.client.chat.completions.create(
      { model, messages, max_tokens: 1500, stream: true },
      { signal: controller.signal },
    );
    let chunks = 0;
    // Aborting ends the openai client's iteration (it may or may not throw, by version): either is fine.
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) {
          chunks++;
          controller.abort();
        }
      }
    } catch {
      // aborted
    }
    expect(chunks).toBeGreaterThanOrEqual(1);
    const nodeId = f.t.fleet.nodes[0]?.nodeId ?? '';
    const cancelled = await eventually(() =>
      f.t.events(nodeId).find((e) => e['event'] === 'job.cancelled'),
    );
    const job = cancelled['jobId'];
    // The job stopped early rather than running to max_tokens.
    const done = f.t.events(nodeId).find((e) => e['event'] === 'job.done' && e['jobId'] === job);
    expect(done).toBeUndefined();
  });
});

describe('errors through the openai client', () => {
  it('401 for a wrong key', async () => {
    const bad = new OpenAI({
      baseURL: `${f.t.fleet.info.url}/v1`,
      apiKey: 'pxk_wrong',
      maxRetries: 0,
    });
    await expect(bad.chat.completions.create({ model, messages })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
  });

  it('400 naming the field for a malformed body', async () => {
    const err = await f.client.chat.completions
      .create({ model, messages, temperature: 7 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
  });

  it('404 for an unknown model', async () => {
    await expect(
      f.client.chat.completions.create({ model: 'no-such-model', messages }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('413 for an oversized body', async () => {
    const err = await f.client.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
  });

  it('413, not a reset connection, for bodies a few times the limit, declared or chunked', async () => {
    // The edge reads a refused body to its end before answering: closing a connection with unread
    // bytes resets it, and the client then loses the 413 (before the fix: most of these).
    const statuses: (number | string)[] = [];
    for (const mib of [2, 4, 7, 2, 4, 7]) {
      const err = await f.client.chat.completions
        .create({ model, messages: [{ role: 'user', content: 'x'.repeat(mib * 1024 * 1024) }] })
        .catch((e: unknown) => e);
      const status =
        err instanceof OpenAI.APIError ? (err.status as number | undefined) : undefined;
      statuses.push(status ?? (err instanceof Error ? err.name : String(err)));
    }
    for (const mib of [3, 6]) {
      const chunk = new TextEncoder().encode('x'.repeat(256 * 1024));
      let left = (mib * 1024 * 1024) / chunk.byteLength;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (left-- > 0) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const res = await fetch(`${f.t.fleet.info.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${f.t.fleet.info.apiKey}`,
          'content-type': 'application/json',
        },
        body,
        duplex: 'half',
      }).catch((e: unknown) => e);
      statuses.push(res instanceof Response ? res.status : String(res));
    }
    expect(statuses).toEqual(Array(8).fill(413));
  });

  it('401 and 404 reach the client too when a large body was never read', async () => {
    const statuses: (number | string)[] = [];
    for (const mib of [2, 4, 7]) {
      const body = 'x'.repeat(mib * 1024 * 1024);
      for (const [path, key] of [
        ['/v1/chat/completions', 'wrong-key'],
        ['/v1/no-such-route', f.t.fleet.info.apiKey],
      ] as const) {
        const res = await fetch(`${f.t.fleet.info.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body,
        }).catch((e: unknown) => e);
        statuses.push(res instanceof Response ? res.status : String(res));
      }
    }
    expect(statuses).toEqual([401, 404, 401, 404, 401, 404]);
  });
});
