import { describe, expect, it } from 'vitest';
import { apply } from './apply.ts';
import { raiseProblem, versionGate } from './apply-cluster.ts';
import { emptyState } from './state.ts';
import { build } from './testing.ts';

const raise = (version: number) => ({ v: 1, type: 'cluster.setVersion', version }) as const;

describe('cluster.setVersion and the version gate', () => {
  it('starts at 1, which is what every build applies', () => {
    expect(emptyState().clusterVersion).toBe(1);
    expect(versionGate(emptyState(), 1)).toBeNull();
  });

  it('gates a newer command version until the cluster is raised to it', () => {
    expect(versionGate(emptyState(), 2)).toMatch(/newer than the cluster's \(1\)/);
    const raised = build([raise(2)]);
    expect(raised.clusterVersion).toBe(2);
    expect(versionGate(raised, 2)).toBeNull();
    expect(versionGate(raised, 3)).not.toBeNull();
  });

  it('never lowers it: a command of the current version may already be in the log', () => {
    const raised = build([raise(3)]);
    const lowered = apply(raised, raise(2));
    expect(lowered.result).toMatchObject({ ok: false, code: 'version_conflict' });
    expect(lowered.state).toBe(raised);
    expect(apply(raised, raise(3)).result.ok).toBe(true);
  });

  it('refuses a version that is not a positive integer', () => {
    expect(apply(emptyState(), { ...raise(1), version: 0 }).result).toMatchObject({
      ok: false,
      code: 'invalid_command',
    });
  });
});

describe('raiseProblem', () => {
  it('allows a raise only when every member answered with a build that applies it', () => {
    const v2 = { commandVersion: 2 };
    expect(
      raiseProblem(
        [
          { self: 1, ...v2 },
          { self: 2, ...v2 },
        ],
        1,
        2,
      ),
    ).toBeNull();
    expect(
      raiseProblem(
        [
          { self: 1, ...v2 },
          { self: 2, commandVersion: 1 },
        ],
        1,
        2,
      ),
    ).toMatch(/peer 2 applies up to version 1/);
    expect(
      raiseProblem(
        [
          { self: 1, ...v2 },
          { self: 3, error: 'reset' },
        ],
        1,
        2,
      ),
    ).toMatch(/peer 3 did not answer \(reset\)/);
    expect(raiseProblem([], 1, 2)).toMatch(/No member/);
    expect(raiseProblem([{ self: 1, ...v2 }], 2, 1)).toMatch(/never lowered/);
  });
});
