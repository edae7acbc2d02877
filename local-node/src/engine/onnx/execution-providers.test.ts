import { listSupportedBackends, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { fixtureWeights, pooledModel } from './embed-fixture.testing.ts';
import {
  AUTO_ORDER,
  createSession,
  EP_CHOICES,
  ExecutionProviderError,
  parseEpChoice,
  unavailableReason,
} from './execution-providers.ts';

const model = pooledModel(fixtureWeights());
const noAccelerator = AUTO_ORDER.every((p) => unavailableReason(p) !== undefined);
const cudaMissing = unavailableReason('cuda') !== undefined;

describe('execution provider choice', () => {
  it('parses the choices, case-insensitively, and lists them on a bad one', () => {
    for (const choice of EP_CHOICES) expect(parseEpChoice(choice)).toBe(choice);
    expect(parseEpChoice(' CUDA ')).toBe('cuda');
    expect(() => parseEpChoice('gpu')).toThrow(
      "unknown execution provider 'gpu'; choose one of: auto, cpu, cuda, tensorrt, dml, coreml, qnn, openvino, vitisai.",
    );
  });

  it('runs a model on cpu', async () => {
    const { session, provider } = await createSession(model, 'cpu');
    expect(provider).toBe('cpu');
    const ids = new Tensor('int64', BigInt64Array.from([2n, 4n, 3n]), [1, 3]);
    const out = await session.run({ input_ids: ids });
    expect(out['sentence_embedding']?.dims).toEqual([1, 8]);
    await session.release();
  });

  it.runIf(noAccelerator)('auto reports cpu when no accelerator can load', async () => {
    const events: { event: string; fields?: Record<string, unknown> }[] = [];
    const { session, provider } = await createSession(model, 'auto', {
      log: (_level, event, fields) => events.push({ event, ...(fields ? { fields } : {}) }),
    });
    expect(provider).toBe('cpu');
    expect(
      events.filter((e) => e.event === 'onnx_ep_skipped').map((e) => e.fields?.['provider']),
    ).toEqual(AUTO_ORDER);
    expect(events.at(-1)).toEqual({
      event: 'onnx_ep_selected',
      fields: { choice: 'auto', provider: 'cpu' },
    });
    await session.release();
  });

  it('the runtime lists cpu; providers absent from its build are unavailable', () => {
    const names = listSupportedBackends().map((b) => b.name);
    expect(names).toContain('cpu');
    expect(unavailableReason('cpu')).toBeUndefined();
    for (const p of ['openvino', 'vitisai'] as const) {
      expect(names).not.toContain(p);
      expect(unavailableReason(p)).toMatch(/has no '.+' execution provider/);
    }
  });

  it.runIf(cudaMissing)('a named missing cuda fails with how to install it', async () => {
    const err: unknown = await createSession(model, 'cuda').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutionProviderError);
    expect((err as Error).message).toMatch(/^--ep cuda: /);
    expect((err as Error).message).toContain(
      'node node_modules/onnxruntime-node/script/install.js --onnxruntime-node-install=cuda12',
    );
  });

  it('a provider the npm runtime lacks says what to do instead', async () => {
    await expect(createSession(model, 'vitisai')).rejects.toThrow(/Ryzen AI/);
    await expect(createSession(model, 'qnn')).rejects.toThrow(/--use_qnn/);
  });
});
