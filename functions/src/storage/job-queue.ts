// The job queue's messages: `{"id":"job_..."}` only (a queue message holds 64 KB; the job is in
// Blob), base64-encoded because the Functions host's queue trigger decodes base64 by default
// (host.json extensions.queues.messageEncoding). Poison messages add the reason.
import type { QueueClient } from '@azure/storage-queue';

export interface JobQueue {
  enqueue(id: string): Promise<void>;
  /** `id` is null when the message was too broken to name one. */
  poison(id: string | null, reason: string): Promise<void>;
}

export interface PoisonMessage {
  readonly id: string | null;
  readonly reason: string;
}

export function storageJobQueue(queue: QueueClient, poisonQueue: QueueClient): JobQueue {
  return {
    async enqueue(id) {
      await queue.sendMessage(encodeQueueMessage({ id }));
    },
    async poison(id, reason) {
      const message: PoisonMessage = { id, reason };
      await poisonQueue.sendMessage(encodeQueueMessage(message));
    },
  };
}

export function encodeQueueMessage(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/**
 * A message's text as the host hands it to a handler: base64 decoded, then JSON-parsed when it is
 * JSON, else the string (what @azure/functions does with a string trigger payload).
 */
export function decodeQueueMessage(text: string): unknown {
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  try {
    return JSON.parse(decoded) as unknown;
  } catch {
    return decoded;
  }
}
