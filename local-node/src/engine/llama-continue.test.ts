import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../model/demo-gguf.ts';
import { collectGeneration, engineRequest } from './engine.case.ts';
import type { Engine, GenerateRequest } from './engine.ts';
import { createLlamaEngine } from './llama-engine.ts';

/**
 * Continuing an assistant turn with the real demo model, as the edge will after a node dies
 * mid-stream: generate K tokens, then continue from that text for the remaining N - K.
 */
let dir = '';
let engine: Engine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-llama-continue-'));
  const { path } = await writeDemoModel(join(dir, 'proxima-demo.gguf'), { seed: 1 });
  engine = await createLlamaEngine({ modelPath: path, gpu: 'auto', contextSize: 512, slots: 1 });
});
afterAll(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

const N = 48;
const greedy = (over: Partial<GenerateRequest> = {}) =>
  engineRequest('proxima-demo', { temperature: 0, seed: 7, ...over });
const collect = (req: GenerateRequest) => collectGeneration(engine, req);

describe('llama engine: continuing an assistant prefix', () => {
  it('announces that it continues', () => {
    expect(engine.continuesAssistant).toBe(true);
  });

  it('streams only new text after the prefix, and the prefix conditions it', async () => {
    const full = (await collect(greedy({ maxTokens: N }))).text;
    const head = (await collect(greedy({ maxTokens: 12 }))).text;
    // Greedy decoding is deterministic: the short run is the start of the long one.
    expect(full.startsWith(head)).toBe(true);
    expect(head.length).toBeGreaterThan(0);

    const rest = await collect(greedy({ maxTokens: N - 12, assistantPrefix: head }));
    expect(rest.done.usage.completionTokens).toBe(N - 12);
    expect(rest.text.length).toBeGreaterThan(0);
    // Were the prefix ignored, the continuation would be the answer's own first tokens again.
    const fresh = (await collect(greedy({ maxTokens: N - 12 }))).text;
    expect(rest.text).not.toBe(fresh);
    // The prefix is evaluated as prompt: it costs prompt tokens, not completion tokens.
    const plain = await collect(greedy({ maxTokens: 1 }));
    expect(rest.done.usage.promptTokens).toBeGreaterThan(plain.done.usage.promptTokens);
  });

  it('measures how often a continued answer agrees with the uninterrupted one', async () => {
    // The demo model's noise includes invalid UTF-8, decoded as U+FFFD: such a prefix cannot
    // round-trip to the same tokens, so those cuts are counted apart.
    const prompts = ['Say something.', 'Tell me a story about the sea.', 'List three colours.'];
    const cuts = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32];
    const rows: Array<{ prompt: number; k: number; agrees: boolean; clean: boolean }> = [];
    for (const [p, content] of prompts.entries()) {
      const messages = [{ role: 'user' as const, content }];
      const full = (await collect(greedy({ messages, maxTokens: N }))).text;
      for (const k of cuts) {
        const head = (await collect(greedy({ messages, maxTokens: k }))).text;
        expect(full.startsWith(head)).toBe(true);
        if (head === '') continue; // the cut held back only partial characters: nothing to continue
        // A generous budget: the head may have spent tokens on held-back bytes it never emitted.
        const rest = (await collect(greedy({ messages, maxTokens: N, assistantPrefix: head })))
          .text;
        // Never a repeated prefix, unless the uninterrupted answer itself repeats it there.
        if (rest.startsWith(head)) expect(full.slice(head.length).startsWith(head)).toBe(true);
        rows.push({
          prompt: p,
          k,
          agrees: (head + rest).startsWith(full),
          clean: !head.includes('\uFFFD'),
        });
      }
    }
    const rate = (rs: typeof rows) => `${rs.filter((r) => r.agrees).length}/${rs.length}`;
    const clean = rows.filter((r) => r.clean);
    console.info(
      `continuation agrees with the uninterrupted answer: ${rate(rows)} cuts; ` +
        `${rate(clean)} where the prefix is valid text; ` +
        JSON.stringify(
          rows.map((r) => `${r.prompt}:${r.k}:${r.agrees ? 'eq' : 'ne'}${r.clean ? '' : '*'}`),
        ),
    );
    // Not guaranteed in general (the cut can tokenize differently), but an exact continuation
    // somewhere shows the prefix sits in the turn verbatim, with nothing inserted around it.
    expect(clean.some((r) => r.agrees)).toBe(true);
  }, 60_000); // about 60 generations: slow when other suites share the CPU
});
