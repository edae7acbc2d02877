// The SDK clients for the job queue, its poison queue, the job container and the job table, by
// connection string (Azurite, or a key) or by Microsoft Entra identity (Azure, no keys).
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import type { StorageSettings } from '../config.ts';
import { JOBS_CONTAINER, JOBS_QUEUE, JOBS_TABLE, POISON_QUEUE } from './names.ts';

export interface StorageClients {
  readonly table: TableClient;
  readonly container: ContainerClient;
  readonly queue: QueueClient;
  readonly poisonQueue: QueueClient;
}

export function createStorageClients(settings: StorageSettings): StorageClients {
  if (settings.kind === 'connectionString') {
    const cs = settings.connectionString;
    const queues = QueueServiceClient.fromConnectionString(cs);
    return {
      // The tables SDK refuses http unless told: Azurite listens on plain http.
      table: TableClient.fromConnectionString(cs, JOBS_TABLE, {
        allowInsecureConnection: isPlainHttp(cs),
      }),
      container: BlobServiceClient.fromConnectionString(cs).getContainerClient(JOBS_CONTAINER),
      queue: queues.getQueueClient(JOBS_QUEUE),
      poisonQueue: queues.getQueueClient(POISON_QUEUE),
    };
  }
  const credential: TokenCredential = new DefaultAzureCredential(
    settings.clientId === null ? {} : { managedIdentityClientId: settings.clientId },
  );
  const queues = new QueueServiceClient(settings.queueUrl, credential);
  return {
    table: new TableClient(settings.tableUrl, JOBS_TABLE, credential),
    container: new BlobServiceClient(settings.blobUrl, credential).getContainerClient(
      JOBS_CONTAINER,
    ),
    queue: queues.getQueueClient(JOBS_QUEUE),
    poisonQueue: queues.getQueueClient(POISON_QUEUE),
  };
}

/** Creates whatever of the four is missing (infra-bicep creates them in Azure; Azurite starts empty). */
export async function ensureStorage(clients: StorageClients): Promise<void> {
  await Promise.all([
    clients.table.createTable(),
    clients.container.createIfNotExists(),
    clients.queue.createIfNotExists(),
    clients.poisonQueue.createIfNotExists(),
  ]);
}

function isPlainHttp(connectionString: string): boolean {
  return /usedevelopmentstorage\s*=\s*true|defaultendpointsprotocol\s*=\s*http\s*(;|$)|endpoint\s*=\s*http:/i.test(
    connectionString,
  );
}
