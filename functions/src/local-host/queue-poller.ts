// The queue trigger, as the Functions host runs it, over a real (Azurite) queue: receive a batch
// with a visibility timeout and keep renewing it while the handler runs; on success delete the
// message; on a throw leave it to come back after `retryDelaySec` with dequeueCount + 1, or move it
// to `<queue>-poison` once it has been dequeued maxDequeueCount times. One poller, no scale-out.
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import azureFunctions from '@azure/functions';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { Logger } from '@proxima/local-node/log';
import { BURST_LIMITS } from '@proxima/core/jobs';
import type { QueueHandler } from '../queue/run-job.ts';
import { decodeQueueMessage } from '../storage/job-queue.ts';
import { contextLogHandler } from './context-log.ts';

const { InvocationContext } = azureFunctions;

export interface QueuePollerOptions {
  readonly queue: QueueClient;
  readonly poisonQueue: QueueClient;
  readonly handler: QueueHandler;
  readonly log: Logger;
  readonly functionName?: string;
  /** host.json extensions.queues.maxDequeueCount; core's maxDeliveries says the same. */
  readonly maxDequeueCount?: number;
  /** host.json extensions.queues.batchSize. */
  readonly batchSize?: number;
  /** host.json extensions.queues.visibilityTimeout: how long a failed message stays hidden. */
  readonly retryDelaySec?: number;
  /** How long a received message stays hidden; renewed at half of it while its handler runs. */
  readonly leaseSec?: number;
  /** Polling backs off from the first to the second while the queue is empty. */
  readonly pollIntervalMs?: readonly [number, number];
}

export interface QueuePoller {
  /** Stops receiving and waits for the handlers running now. */
  stop(): Promise<void>;
}

export function startQueuePoller(options: QueuePollerOptions): QueuePoller {
  const maxDequeueCount = options.maxDequeueCount ?? BURST_LIMITS.maxDeliveries;
  const leaseSec = options.leaseSec ?? 60;
  const [minPoll, maxPoll] = options.pollIntervalMs ?? [100, 1000];
  const functionName = options.functionName ?? 'runJob';
  const { queue, poisonQueue, log } = options;
  let stopping = false;
  let wake: (() => void) | null = null;

  const deliver = async (message: DequeuedMessageItem): Promise<void> => {
    let popReceipt = message.popReceipt;
    // Renewals run one after another; the delete waits for the last, whose pop receipt it needs.
    let renewal = Promise.resolve();
    const renew = setInterval(
      () => {
        renewal = renewal
          .then(() => queue.updateMessage(message.messageId, popReceipt, undefined, leaseSec))
          .then((r) => {
            if (r.popReceipt !== undefined) popReceipt = r.popReceipt;
          })
          .catch((err: unknown) =>
            log('warn', 'functions.queue.renew_failed', { error: String(err) }),
          );
      },
      (leaseSec * 1000) / 2,
    );
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName,
      logHandler: contextLogHandler(log, functionName),
      triggerMetadata: {
        id: message.messageId,
        dequeueCount: message.dequeueCount,
        popReceipt: message.popReceipt,
        insertionTime: message.insertedOn,
        expirationTime: message.expiresOn,
        nextVisibleTime: message.nextVisibleOn,
      },
    });
    let failure: unknown = null;
    try {
      await options.handler(decodeQueueMessage(message.messageText), context);
    } catch (err) {
      failure = err ?? new Error('the handler threw nothing');
    } finally {
      clearInterval(renew);
      await renewal;
    }
    if (failure === null) {
      await queue.deleteMessage(message.messageId, popReceipt);
      return;
    }
    const error = failure instanceof Error ? failure.message : inspect(failure);
    if (message.dequeueCount >= maxDequeueCount) {
      // What the host does: the message as it was, to the poison queue.
      await poisonQueue.sendMessage(message.messageText);
      await queue.deleteMessage(message.messageId, popReceipt);
      log('warn', 'functions.queue.poisoned', {
        id: message.messageId,
        dequeueCount: message.dequeueCount,
        error,
      });
      return;
    }
    await queue.updateMessage(
      message.messageId,
      popReceipt,
      undefined,
      options.retryDelaySec ?? 30,
    );
    log('info', 'functions.queue.retry', {
      id: message.messageId,
      dequeueCount: message.dequeueCount,
      error,
    });
  };

  const loop = async (): Promise<void> => {
    let idleMs = minPoll;
    while (!stopping) {
      let received: DequeuedMessageItem[] = [];
      try {
        const response = await queue.receiveMessages({
          numberOfMessages: options.batchSize ?? 4,
          visibilityTimeout: leaseSec,
        });
        received = response.receivedMessageItems;
      } catch (err) {
        log('warn', 'functions.queue.receive_failed', { error: String(err) });
      }
      const results = await Promise.allSettled(received.map(deliver));
      for (const r of results)
        if (r.status === 'rejected')
          log('error', 'functions.queue.settle_failed', { error: String(r.reason) });
      if (received.length > 0) {
        idleMs = minPoll;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idleMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      idleMs = Math.min(idleMs * 2, maxPoll);
    }
  };

  const running = loop();
  return {
    async stop() {
      stopping = true;
      wake?.();
      await running;
    },
  };
}
