// The storage adapters against a real Azurite: record round trip and etag guard, create-only
// blobs, and queue messages in the encoding the Functions host decodes.
import type { JobRecord } from '@proxima/core/jobs';
import { describe, expect, it } from 'vitest';
import { newJobId, useTestStorage } from '../local-host/testing.ts';
import { StaleRecordError } from './errors.ts';
import { decodeQueueMessage } from './job-queue.ts';
import { entityToRecord, recordToEntity } from './job-records.ts';

const azurite = useTestStorage();

function record(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: newJobId(),
    kind: 'ocr',
    tenant: 'acme',
    status: 'queued',
    attempts: 0,
    createdAt: 1_800_000_000_123,
    updatedAt: 1_800_000_000_123,
    error: null,
    digest: 'ab'.repeat(32),
    callbackUrl: null,
    runner: null,
    ...overrides,
  };
}

describe('job records in the Table', () => {
  it('round-trips every field, nulls included, through a real Table', async () => {
    const full = record({
      status: 'failed',
      attempts: 3,
      error: { code: 'upstream_error', message: 'Foundry said no' },
      callbackUrl: 'https://edge.example/cb',
      runner: 'message-1',
    });
    const bare = record();
    for (const r of [full, bare]) {
      expect((await azurite.storage.records.insert(r)).inserted).toBe(true);
      expect((await azurite.storage.records.get(r.id))?.record).toEqual(r);
    }
    expect(entityToRecord(recordToEntity(full) as unknown as Record<string, unknown>)).toEqual(
      full,
    );
  });

  it('inserts only if absent, and refuses a write over a record that moved on', async () => {
    const r = record();
    const first = await azurite.storage.records.insert(r);
    expect(first.inserted).toBe(true);
    expect(await azurite.storage.records.insert({ ...r, digest: 'cd'.repeat(32) })).toEqual({
      inserted: false,
    });
    const read = await azurite.storage.records.get(r.id);
    const running = { ...r, status: 'running' as const, attempts: 1 };
    const etag = await azurite.storage.records.replace(running, read!.etag);
    // A second delivery that read before the first wrote: its write must not land.
    await expect(
      azurite.storage.records.replace({ ...r, attempts: 7 }, read!.etag),
    ).rejects.toBeInstanceOf(StaleRecordError);
    await azurite.storage.records.replace({ ...running, status: 'succeeded' }, etag);
    expect((await azurite.storage.records.get(r.id))?.record.status).toBe('succeeded');
    expect(await azurite.storage.records.get(newJobId())).toBeNull();
  });

  it('refuses a row it cannot read as a record rather than guessing', () => {
    const entity = recordToEntity(record()) as unknown as Record<string, unknown>;
    expect(() => entityToRecord({ ...entity, status: 'paused' })).toThrow(/column status/);
    expect(() => entityToRecord({ ...entity, attempts: -1 })).toThrow(/column attempts/);
  });
});

describe('job blobs', () => {
  it('keeps the first input under an id: the same body again is fine, another is refused', async () => {
    const id = newJobId();
    const body = new TextEncoder().encode('{"a":1}');
    expect(await azurite.storage.blobs.putInput(id, body, 'd1')).toEqual({ stored: true });
    expect(await azurite.storage.blobs.putInput(id, body, 'd1')).toEqual({ stored: true });
    expect(await azurite.storage.blobs.putInput(id, new Uint8Array([1]), 'd2')).toEqual({
      stored: false,
      digest: 'd1',
    });
    expect(await azurite.storage.blobs.getInput(id)).toEqual(body);
  });

  it('stores a result once: a second write leaves the first', async () => {
    const id = newJobId();
    expect(await azurite.storage.blobs.resultExists(id)).toBe(false);
    expect(await azurite.storage.blobs.getResult(id)).toBeNull();
    expect(await azurite.storage.blobs.putResult(id, { text: 'first' })).toBe(true);
    expect(await azurite.storage.blobs.putResult(id, { text: 'second' })).toBe(false);
    expect(await azurite.storage.blobs.resultExists(id)).toBe(true);
    expect(await azurite.storage.blobs.getResult(id)).toEqual({ result: { text: 'first' } });
  });
});

describe('job queue', () => {
  it('sends {id} base64-encoded, as the host decodes by default, and poison with the reason', async () => {
    const id = newJobId();
    await azurite.storage.queue.enqueue(id);
    await azurite.storage.queue.poison(id, 'because');
    const [sent] = (
      await azurite.storage.clients.queue.peekMessages({ numberOfMessages: 32 })
    ).peekedMessageItems.filter(
      (m) => (decodeQueueMessage(m.messageText) as { id?: string }).id === id,
    );
    expect(sent?.messageText).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decodeQueueMessage(sent!.messageText)).toEqual({ id });
    const poisoned = (
      await azurite.storage.clients.poisonQueue.peekMessages({ numberOfMessages: 32 })
    ).peekedMessageItems.map((m) => decodeQueueMessage(m.messageText));
    expect(poisoned).toContainEqual({ id, reason: 'because' });
  });
});
