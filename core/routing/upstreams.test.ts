import { describe, expect, it } from 'vitest';
import { MODEL_CAPABILITIES } from '../protocol/node/messages.ts';
import { capableBackends, requiredCapabilities } from './capabilities.ts';
import { parseUpstreams, UPSTREAM_DEFAULT_CAPABILITIES, upstreamBackends } from './upstreams.ts';

const good = {
  name: 'cloud-a',
  baseUrl: 'https://api.example.com/v1/',
  keyVar: 'CLOUD_A_KEY',
  models: { 'llama-3-8b': 'meta-llama/Llama-3-8B-Instruct' },
  costPer1kTokens: 0.2,
  priority: 1,
  maxConcurrent: 4,
};

const parse = (value: unknown) => () => parseUpstreams(JSON.stringify(value));

describe('UPSTREAMS config', () => {
  it('is empty when unset or blank, and trims the base URL', () => {
    expect(parseUpstreams(undefined)).toEqual([]);
    expect(parseUpstreams('  ')).toEqual([]);
    expect(parseUpstreams(JSON.stringify([good]))[0]?.baseUrl).toBe('https://api.example.com/v1');
  });

  it('names the field that is wrong', () => {
    expect(() => parseUpstreams('[{')).toThrow(/^UPSTREAMS is not valid JSON/);
    expect(parse([{ ...good, name: 'a b' }])).toThrow(/^UPSTREAMS\[0\]\.name: must be 1-128/);
    expect(parse([good, { ...good, baseUrl: 'http://api.example.com' }])).toThrow(
      /^UPSTREAMS\[1\]\.baseUrl: must be https/,
    );
    expect(parse([{ ...good, baseUrl: 'https://u:p@x.com' }])).toThrow(
      /baseUrl: must be an absolute/,
    );
    expect(parse([{ ...good, keyVar: 'not-a-var' }])).toThrow(/\[0\]\.keyVar:/);
    expect(parse([{ ...good, models: {} }])).toThrow(/\[0\]\.models: must map at least one/);
    expect(parse([{ ...good, costPer1kTokens: -1 }])).toThrow(/\[0\]\.costPer1kTokens:/);
    expect(parse([{ ...good, priority: 1.5 }])).toThrow(/\[0\]\.priority:/);
    expect(parse([{ ...good, maxConcurrent: 0 }])).toThrow(/\[0\]\.maxConcurrent:/);
    expect(parse([{ ...good, extra: 1 }])).toThrow(/^UPSTREAMS\[0\]/);
    expect(parse([good, good])).toThrow(/^UPSTREAMS\[1\]\.name: duplicate name "cloud-a"/);
    expect(parse({})).toThrow(/^UPSTREAMS: /);
  });

  it('allows plain http only on this machine', () => {
    for (const host of ['localhost', '127.0.0.1', '[::1]']) {
      expect(parse([{ ...good, baseUrl: `http://${host}:8000/v1` }])).not.toThrow();
    }
    expect(parse([{ ...good, baseUrl: 'http://localhost.evil.com/v1' }])).toThrow(/https/);
  });

  it('turns the upstreams that map a model into upstream backends with their slots', () => {
    const [a] = parseUpstreams(JSON.stringify([good, { ...good, name: 'b', models: { x: 'y' } }]));
    if (!a) throw new Error('parsed nothing');
    const backends = upstreamBackends([a], 'llama-3-8b', () => 3);
    expect(backends).toEqual([
      expect.objectContaining({
        id: 'upstream:cloud-a',
        tier: 'upstream',
        costPer1kTokens: 0.2,
        priority: 1,
        capacity: { slots: 4, inFlight: 3, queued: 0, vramFreeBytes: null },
      }),
    ]);
    expect(upstreamBackends([a], 'other', () => 0)).toEqual([]);
  });
});

describe('UPSTREAMS capabilities', () => {
  const only = (capabilities: unknown) =>
    parseUpstreams(JSON.stringify([{ ...good, capabilities }]));

  it('default to what an OpenAI-compatible API offers', () => {
    const [a] = parseUpstreams(JSON.stringify([good]));
    expect(a?.capabilities).toEqual([
      'tools',
      'json_schema',
      'vision',
      'penalties',
      'logit_bias',
      'logprobs',
    ]);
    for (const absent of ['fim', 'reasoning', 'embeddings'] as const)
      expect(UPSTREAM_DEFAULT_CAPABILITIES).not.toContain(absent);
    expect(upstreamBackends(a ? [a] : [], 'llama-3-8b', () => 0)[0]?.capabilities).toEqual(
      a?.capabilities,
    );
  });

  it('take any subset of the model capabilities, the empty one included', () => {
    expect(only([])[0]?.capabilities).toEqual([]);
    expect(only(['reasoning', 'tools'])[0]?.capabilities).toEqual(['reasoning', 'tools']);
    expect(only([...MODEL_CAPABILITIES])[0]?.capabilities).toEqual(MODEL_CAPABILITIES);
  });

  it('name the bad entry', () => {
    expect(() => only(['tools', 'telepathy'])).toThrow(
      /^UPSTREAMS\[0\]\.capabilities\[1\]: must be one of tools, json_schema/,
    );
    expect(() => only(['tools', 'tools'])).toThrow(
      /^UPSTREAMS\[0\]\.capabilities\[1\]: "tools" is listed twice/,
    );
    expect(() => only('tools')).toThrow(/^UPSTREAMS\[0\]\.capabilities: /);
  });

  it('feed routing: a tools request skips an upstream without them, with a 400 naming tools', () => {
    const configs = parseUpstreams(
      JSON.stringify([
        { ...good, name: 'plain', capabilities: [] },
        { ...good, name: 'full' },
      ]),
    );
    const needs = requiredCapabilities({
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 'f', description: '', parameters: { type: 'object' } }],
      toolChoice: 'auto',
      responseFormat: { type: 'text' },
      frequencyPenalty: 0,
      presencePenalty: 0,
      logitBias: [],
      logprobs: null,
      reasoningEffort: null,
    });
    const backends = upstreamBackends(configs, 'llama-3-8b', () => 0);
    expect(capableBackends(backends, needs, 'llama-3-8b').map((b) => b.id)).toEqual([
      'upstream:full',
    ]);
    expect(() => capableBackends(backends.slice(0, 1), needs, 'llama-3-8b')).toThrow(
      expect.objectContaining({ status: 400, param: 'tools' }),
    );
  });
});
