import { runStorageContract } from './storage.case.ts';
import { MemoryStorage } from './storage.ts';

runStorageContract('MemoryStorage', () => new MemoryStorage());
