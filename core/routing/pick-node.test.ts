import { describe, expect, it } from 'vitest';
import { pickNode, type NodeCandidate } from './pick-node.ts';

const nodes: NodeCandidate[] = [
  { nodeId: 'a', models: ['m1'], draining: false },
  { nodeId: 'b', models: ['m1', 'm2'], draining: false },
  { nodeId: 'c', models: ['m2'], draining: true },
];

describe('pickNode', () => {
  it('picks among nodes serving the model, by the injected random', () => {
    expect(pickNode(nodes, 'm1', true, () => 0)).toEqual({ kind: 'node', nodeId: 'a' });
    expect(pickNode(nodes, 'm1', true, () => 0.99)).toEqual({ kind: 'node', nodeId: 'b' });
  });

  it('skips draining and excluded nodes', () => {
    expect(pickNode(nodes, 'm2', true, () => 0.99)).toEqual({ kind: 'node', nodeId: 'b' });
    expect(pickNode(nodes, 'm1', true, () => 0, new Set(['a']))).toEqual({
      kind: 'node',
      nodeId: 'b',
    });
  });

  it('tells an unknown model from a known model with no capacity', () => {
    expect(pickNode(nodes, 'm3', false, () => 0)).toEqual({ kind: 'unknown_model' });
    expect(pickNode([], 'm1', true, () => 0)).toEqual({ kind: 'no_capacity' });
  });
});
