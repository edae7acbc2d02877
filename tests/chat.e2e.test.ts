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
});
