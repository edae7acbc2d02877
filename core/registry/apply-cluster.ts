// cluster.setVersion: the command version every voter applies, and so the newest a proposer may
// use. Raised only after every member reported that its build applies it (the admin route checks),
// so a newer command is never applied by some peers and refused by others.
import type { CommandOf } from './commands.ts';
import { accepted, refused, type Applied } from './result.ts';
import type { RegistryState } from './state.ts';

/** Never lowered: a command of the current version may already be in the log. */
export function setClusterVersion(
  state: RegistryState,
  cmd: CommandOf<'cluster.setVersion'>,
): Applied<{ readonly version: number }> {
  if (cmd.version < state.clusterVersion) {
    return refused(
      state,
      'version_conflict',
      `The cluster applies command version ${state.clusterVersion}; it is never lowered (to ${cmd.version}).`,
    );
  }
  return accepted({ ...state, clusterVersion: cmd.version }, { version: cmd.version });
}

/** Why a command of version `v` may not be proposed now, or null when it may. */
export function versionGate(state: RegistryState, v: number): string | null {
  if (v <= state.clusterVersion) return null;
  return `Command version ${v} is newer than the cluster's (${state.clusterVersion}): raise it with POST /admin/raft/version once every peer runs a build that applies it.`;
}

/** What a member said when asked for its status: the command version its build applies, or why not. */
export type MemberVersion =
  | { readonly self: number; readonly commandVersion: number }
  | { readonly self: number; readonly error: string };

/**
 * Why the group may not be raised to `version`, or null: every member (voters and learners, which
 * become voters) must have answered, with a build that applies it.
 */
export function raiseProblem(
  members: readonly MemberVersion[],
  current: number,
  version: number,
): string | null {
  if (version < current)
    return `The cluster applies command version ${current}; it is never lowered (to ${version}).`;
  if (members.length === 0) return 'No member of the group answered.';
  const behind: string[] = [];
  for (const m of members) {
    if ('error' in m) behind.push(`peer ${m.self} did not answer (${m.error})`);
    else if (m.commandVersion < version)
      behind.push(`peer ${m.self} applies up to version ${m.commandVersion}`);
  }
  if (behind.length === 0) return null;
  return `Cannot raise the cluster to command version ${version}: ${behind.join('; ')}. Deploy a build that applies it everywhere first.`;
}
