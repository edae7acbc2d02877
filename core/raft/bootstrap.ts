// Bootstrapping a new cluster: the initial voters are written as conf entries at term 1, so any
// server that later receives the log from index 1 (a joiner) rebuilds the same configuration.
import { encodeConfChange } from './confchange.ts';
import { RaftError, RaftErrorCode } from './errors.ts';
import type { PersistentStorage } from './storage.ts';
import type { Entry, NodeId } from './types.ts';

export function bootstrap(storage: PersistentStorage, voters: readonly NodeId[]): void {
  if (voters.length === 0)
    throw new RaftError(RaftErrorCode.InvalidConfig, 'bootstrap needs at least one voter');
  if (storage.lastIndex() !== 0 || storage.initialState().hardState.term !== 0) {
    throw new RaftError(RaftErrorCode.InvalidConfig, 'bootstrap on non-empty storage');
  }
  const ents: Entry[] = voters.map((id, i) => ({
    term: 1,
    index: i + 1,
    type: 'conf',
    data: encodeConfChange({ type: 'addVoter', nodeId: id }),
  }));
  storage.append(ents);
  storage.setHardState({ term: 1, vote: 0, commit: ents.length });
}
