// Everything the handlers keep, opened once per process: the resources are created if absent
// before the first handler uses them.
import type { StorageSettings } from '../config.ts';
import { createStorageClients, ensureStorage, type StorageClients } from './clients.ts';
import { containerJobBlobs, type JobBlobs } from './job-blobs.ts';
import { storageJobQueue, type JobQueue } from './job-queue.ts';
import { tableJobRecords, type JobRecords } from './job-records.ts';

export interface JobStorage {
  readonly records: JobRecords;
  readonly blobs: JobBlobs;
  readonly queue: JobQueue;
  readonly clients: StorageClients;
}

export async function openJobStorage(settings: StorageSettings): Promise<JobStorage> {
  const clients = createStorageClients(settings);
  await ensureStorage(clients);
  return {
    records: tableJobRecords(clients.table),
    blobs: containerJobBlobs(clients.container),
    queue: storageJobQueue(clients.queue, clients.poisonQueue),
    clients,
  };
}
