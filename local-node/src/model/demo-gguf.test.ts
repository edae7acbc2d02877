import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_NAME, DEMO_MODEL_SHAPE, buildDemoModel, writeDemoModel } from './demo-gguf.ts';
import { seededRng } from './prng.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-demo-gguf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeDemoModel', () => {
  it('writes a GGUF v3 file whose header parses back', async () => {
    const written = await writeDemoModel(join(dir, 'a', 'proxima-demo.gguf'), { seed: 1 });
    const bytes = await readFile(written.path);
    expect(written.bytes).toBe(bytes.length);
    expect(written.bytes).toBeGreaterThan(400_000);
    expect(written.bytes).toBeLessThan(600_000);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('GGUF');
    expect(bytes.readUInt32LE(4)).toBe(3);
    const tensorCount = Number(bytes.readBigUInt64LE(8));
    expect(tensorCount).toBe(3 + 9 * DEMO_MODEL_SHAPE.nLayers);

    // An independent parser (node-llama-cpp's) reads the same file back.
    const info = await readGgufFileInfo(written.path, {
      sourceType: 'filesystem',
      logWarnings: false,
    });
    expect(info.version).toBe(3);
    expect(info.metadata.general.architecture).toBe('llama');
    expect(info.metadata.general.name).toBe(DEMO_MODEL_NAME);
    expect(info.metadata.general.description).toMatch(/noise/);
    const tokens = info.metadata.tokenizer.ggml.tokens;
    expect(tokens).toHaveLength(277);
    expect(tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(tokens[258]).toBe('<0xFF>');
    // Fill-in-the-middle: control tokens last, named in the metadata llama.cpp reads.
    expect(tokens.slice(274)).toEqual(['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>']);
    expect(info.metadata.tokenizer.ggml.token_type.slice(274)).toEqual([3, 3, 3]);
    const ggml = info.metadata.tokenizer.ggml as unknown as Record<string, unknown>;
    expect([ggml['fim_pre_token_id'], ggml['fim_suf_token_id'], ggml['fim_mid_token_id']]).toEqual([
      274, 275, 276,
    ]);
    const tensors = info.fullTensorInfo ?? [];
    expect(tensors).toHaveLength(tensorCount);
    const embd = tensors.find((t) => t.name === 'token_embd.weight');
    expect(embd?.dimensions.map(Number)).toEqual([DEMO_MODEL_SHAPE.nEmbd, 277]);
    for (const t of tensors) expect(Number(t.offset) % 32).toBe(0);
    expect(await readdir(join(dir, 'a'))).toEqual(['proxima-demo.gguf']); // no temp left over
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const a = await writeDemoModel(join(dir, 's1.gguf'), { seed: 1 });
    const b = await writeDemoModel(join(dir, 's1-again.gguf'), { seed: 1 });
    const c = await writeDemoModel(join(dir, 's2.gguf'), { seed: 2 });
    expect(b.sha256).toBe(a.sha256);
    expect(c.sha256).not.toBe(a.sha256);
    expect(c.bytes).toBe(a.bytes);
  });

  it('keeps seed 1 byte-identical across releases (update on purpose, and in docs/design/0030)', async () => {
    const w = await writeDemoModel(join(dir, 'golden.gguf'), { seed: 1 });
    expect(w.bytes).toBe(479_392);
    expect(w.sha256).toBe('811d1dc6305175613d834a7a05b5b92747b74895f14e00e4ca1f623596934582');
  });

  it('draws the same weights whatever tokens are appended (they have a stream of their own)', () => {
    // Same draws, in the same order, from the main generator: every earlier weight is unchanged,
    // so adding the FIM tokens (or test tokens) did not change what the demo model writes.
    const draws = (extraTokens?: readonly string[]) => {
      const rng = seededRng(5);
      const seen: number[] = [];
      buildDemoModel({
        seed: 5,
        rng: () => seen[seen.push(rng()) - 1]!,
        ...(extraTokens ? { extraTokens } : {}),
      });
      return seen;
    };
    const plain = draws();
    expect(draws(['<think>', '</think>'])).toEqual(plain);
    expect(plain.length).toBeGreaterThan(100_000);
  });

  it('overwrites an existing file in place', async () => {
    const path = join(dir, 'over.gguf');
    await writeDemoModel(path, { seed: 3 });
    const again = await writeDemoModel(path, { seed: 4 });
    expect(again.sha256).toBe(
      (await import('node:crypto'))
        .createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    );
  });

  it('rejects a non-integer seed', () => {
    expect(() => buildDemoModel({ seed: 1.5 })).toThrow(/seed must be an integer/);
  });
});
