// The Ollama routes inside workerd, against fake nodes: translation into jobs, Ollama's shapes
// (JSON, NDJSON, {"error"}), field names in errors, and the model routes.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { answerJob, BASE, nodeWithCapabilities, newApiKey, unique } from '../../../test/helpers.ts';

async function api(key: string | null, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers['authorization'] = `Bearer ${key}`;
  return SELF.fetch(`${BASE}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const nodeWith = nodeWithCapabilities;

const answer = answerJob;

async function lines(res: Response): Promise<Array<Record<string, unknown>>> {
  // NDJSON is text; read as bytes, since the runtime warns on .text() of a non-text type.
  const text = new TextDecoder().decode(await res.arrayBuffer());
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const hi = [{ role: 'user', content: 'hi' }];

describe('Ollama API', () => {
  it('reports a version the Ollama clients accept, without a key', async () => {
    const res = await api(null, '/api/version');
    const { version } = await res.json<{ version: string }>();
    const [major, minor, patch] = version.split('.').map(Number);
    expect(major! > 0 || minor! > 6 || (minor === 6 && patch! >= 4)).toBe(true);
  });

  it('answers /api/chat whole, with options mapped onto the job and metrics in ns', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, []);
    const pending = api(key, '/api/chat', {
      model,
      messages: hi,
      stream: false,
      options: { temperature: 0.25, num_predict: 7, seed: 3, stop: ['END'] },
      keep_alive: '10m',
    });
    const job = await node.next('job');
    expect(job.request).toMatchObject({
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.25,
      maxTokens: 7,
      seed: 3,
      stop: ['END'],
    });
    answer(node, job, [{ text: 'Hel' }, { text: 'lo' }], 'length');
    const res = await pending;
    expect(res.status).toBe(200);
    const body = await res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      model,
      message: { role: 'assistant', content: 'Hello' },
      done: true,
      done_reason: 'length',
      prompt_eval_count: 5,
      eval_count: 2,
      load_duration: 0,
    });
    expect(Number.isInteger(body['total_duration'])).toBe(true);
    expect(Date.parse(String(body['created_at']))).not.toBeNaN();
  });

  it('streams /api/chat by default as NDJSON: done:false lines, then done:true', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, []);
    const pending = api(key, '/api/chat', { model, messages: hi });
    answer(node, await node.next('job'), [{ text: 'a' }, { text: 'b' }]);
    const res = await pending;
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const out = await lines(res);
    expect(out.map((l) => l['done'])).toEqual([false, false, true]);
    expect(out.map((l) => (l['message'] as { content: string }).content).join('')).toBe('ab');
    expect(out.at(-1)).toMatchObject({ done_reason: 'stop', eval_count: 2 });
  });

  it('ends a stream that fails after it began with an {"error"} line', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, []);
    const pending = api(key, '/api/generate', { model, prompt: 'x' });
    const job = await node.next('job');
    node.send({ type: 'chunk', jobId: job.jobId, seq: 0, text: 'partial' });
    node.send({ type: 'error', jobId: job.jobId, code: 'engine_failed', message: 'oom at 0x1' });
    const out = await lines(await pending);
    expect(out[0]).toMatchObject({ response: 'partial', done: false });
    expect(Object.keys(out.at(-1)!)).toEqual(['error']);
    expect(String(out.at(-1)!['error'])).not.toContain('0x1');
  });

  it("refuses before any output with a status and Ollama's error shape", async () => {
    const key = await newApiKey();
    const missing = await api(key, '/api/chat', { model: unique('nope'), messages: hi });
    expect(missing.status).toBe(404);
    const body = await missing.json<Record<string, unknown>>();
    expect(Object.keys(body)).toEqual(['error']);
    expect(typeof body['error']).toBe('string');
    const noKey = await api(null, '/api/chat', { model: 'm', messages: hi });
    expect(noKey.status).toBe(401);
    expect(typeof (await noKey.json<{ error: unknown }>()).error).toBe('string');
  });

  it('names the Ollama field when a capability is missing or an option refused', async () => {
    const key = await newApiKey();
    const model = unique('model');
    await nodeWith(model, []);
    const format = await api(key, '/api/chat', {
      model,
      messages: hi,
      stream: false,
      format: { type: 'object', properties: { a: { type: 'string' } } },
    });
    expect(format.status).toBe(400);
    const error = (await format.json<{ error: string }>()).error;
    expect(error).toContain(`'format'`);
    expect(error).not.toContain('response_format');
    const topK = await api(key, '/api/chat', { model, messages: hi, options: { top_k: 40 } });
    expect(topK.status).toBe(400);
    expect((await topK.json<{ error: string }>()).error).toContain(`'options.top_k'`);
  });

  it('checks options.num_ctx against the context the nodes hold', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, [], 512);
    const big = await api(key, '/api/chat', { model, messages: hi, options: { num_ctx: 4096 } });
    expect(big.status).toBe(400);
    expect((await big.json<{ error: string }>()).error).toContain(`'options.num_ctx'`);
    const fits = api(key, '/api/chat', {
      model,
      messages: hi,
      stream: false,
      options: { num_ctx: 512 },
    });
    answer(node, await node.next('job'), [{ text: 'ok' }]);
    expect((await fits).status).toBe(200);
  });

  it('turns thinking off on a model that reasons, and returns reasoning in thinking', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, ['reasoning']);
    const off = api(key, '/api/chat', { model, messages: hi, stream: false, think: false });
    const offJob = await node.next('job');
    expect(offJob.request.reasoningEffort).toBe('none');
    answer(node, offJob, [{ text: 'ok' }]);
    expect((await off).status).toBe(200);
    const on = api(key, '/api/chat', { model, messages: hi, stream: false, think: true });
    const onJob = await node.next('job');
    expect(onJob.request.reasoningEffort).toBe('medium');
    answer(node, onJob, [{ text: '', reasoning: 'hmm' }, { text: 'yes' }]);
    const body = await (await on).json<{ message: Record<string, unknown> }>();
    expect(body.message).toMatchObject({ content: 'yes', thinking: 'hmm' });
  });

  it('returns tool calls with object arguments, and reads them back by tool_name', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, ['tools']);
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const pending = api(key, '/api/chat', { model, messages: hi, tools, stream: false });
    const job = await node.next('job');
    expect(job.request.tools?.[0]?.name).toBe('get_weather');
    answer(
      node,
      job,
      [
        {
          toolCalls: [
            { index: 0, id: 'call_x', name: 'get_weather', arguments: '{"city":"Oslo"}' },
          ],
        },
      ],
      'tool_calls',
    );
    const body = await (
      await pending
    ).json<{ message: { tool_calls: unknown[] }; done_reason: string }>();
    expect(body.done_reason).toBe('stop');
    expect(body.message.tool_calls).toEqual([
      { id: 'call_x', function: { index: 0, name: 'get_weather', arguments: { city: 'Oslo' } } },
    ]);
    const next = api(key, '/api/chat', {
      model,
      tools,
      stream: false,
      messages: [
        ...hi,
        { role: 'assistant', content: '', tool_calls: body.message.tool_calls },
        { role: 'tool', content: '3 C', tool_name: 'get_weather' },
      ],
    });
    const second = await node.next('job');
    expect(second.request.messages.at(-1)).toEqual({
      role: 'tool',
      content: '3 C',
      toolCallId: 'call_x',
    });
    answer(node, second, [{ text: 'cold' }]);
    expect((await next).status).toBe(200);
  });

  it('sends a raw /api/generate prompt as it is, and answers in response', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, []);
    const pending = api(key, '/api/generate', { model, prompt: '<s>x', raw: true, stream: false });
    const job = await node.next('job');
    expect(job.request.messages).toEqual([]);
    expect(job.request.prompt).toEqual({ text: '<s>x' });
    answer(node, job, [{ text: 'y' }]);
    expect(await (await pending).json()).toMatchObject({ response: 'y', done: true });
    const fim = await api(key, '/api/generate', { model, prompt: 'a', suffix: 'b' });
    expect(fim.status).toBe(400);
    expect((await fim.json<{ error: string }>()).error).toContain(`'suffix'`);
  });

  it('answers an empty conversation as loaded, for a model that is served', async () => {
    const key = await newApiKey();
    const model = unique('model');
    await nodeWith(model, []);
    const load = await api(key, '/api/generate', { model });
    expect(await load.json()).toMatchObject({
      model,
      response: '',
      done: true,
      done_reason: 'load',
    });
    expect((await api(key, '/api/chat', { model: unique('nope'), messages: [] })).status).toBe(404);
  });

  it('lists, shows and reports running models with their capabilities and context', async () => {
    const key = await newApiKey();
    const model = unique('model');
    await nodeWith(model, ['tools', 'vision', 'fim', 'json_schema'], 1024);
    const tags = await (await api(key, '/api/tags')).json<{ models: Array<{ name: string }> }>();
    expect(tags.models.map((m) => m.name)).toContain(model);
    const ps = await (await api(key, '/api/ps')).json<{ models: Array<Record<string, unknown>> }>();
    expect(ps.models.find((m) => m['name'] === model)).toMatchObject({ context_length: 1024 });
    const show = await (
      await api(key, '/api/show', { model })
    ).json<{
      capabilities: string[];
      model_info: Record<string, unknown>;
    }>();
    expect(show.capabilities.sort()).toEqual(['completion', 'insert', 'tools', 'vision']);
    const arch = String(show.model_info['general.architecture']);
    expect(show.model_info[`${arch}.context_length`]).toBe(1024);
    const missing = await api(key, '/api/show', { model: unique('nope') });
    expect(missing.status).toBe(404);
    expect(typeof (await missing.json<{ error: unknown }>()).error).toBe('string');
  });

  it('embeds through the configured embedder', async () => {
    const key = await newApiKey();
    const res = await api(key, '/api/embed', { model: 'proxima-lexical', input: ['a b', 'c'] });
    expect(res.status).toBe(200);
    const body = await res.json<{ model: string; embeddings: number[][] }>();
    expect(body.model).toBe('proxima-lexical');
    expect(body.embeddings).toHaveLength(2);
    expect(body.embeddings[0]!.length).toBeGreaterThan(0);
    const wrong = await api(key, '/api/embed', { model: 'other', input: 'x' });
    expect(wrong.status).toBe(404);
  });

  it('answers CORS preflights for /api/* as for /v1/* (CORS_ORIGINS)', async () => {
    const res = await SELF.fetch(`${BASE}/api/chat`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it("answers unknown /api routes and wrong methods in Ollama's shape", async () => {
    const key = await newApiKey();
    const pull = await api(key, '/api/pull', { model: 'x' });
    expect(pull.status).toBe(404);
    expect(typeof (await pull.json<{ error: unknown }>()).error).toBe('string');
    const get = await api(key, '/api/chat');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});
