import { MemoryStorage, type Entry, type HardState, type Snapshot } from '../raft/index.ts';
import type { ReplicaStorage } from './replica.ts';

/** MemoryStorage with the replica's atomic `persist`: for tests and simulations. */
export class MemoryReplicaStorage extends MemoryStorage implements ReplicaStorage {
  persist(batch: {
    readonly hardState: HardState | null;
    readonly entries: readonly Entry[];
    readonly snapshot: Snapshot | null;
  }): void {
    if (batch.snapshot) this.applySnapshot(batch.snapshot);
    if (batch.entries.length > 0) this.append(batch.entries);
    if (batch.hardState) this.setHardState(batch.hardState);
  }
}
