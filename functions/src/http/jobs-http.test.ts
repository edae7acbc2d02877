// POST /api/jobs and GET /api/jobs/{id} over real HTTP (the local host's node:http server in front
// of the exported handlers) against a real Azurite. The queue is left unpolled so its message can
// be inspected.
import { request as httpRequest } from 'node:http';
import azureFunctions from '@azure/functions';
import { BURST_LIMITS, JOBS_PATH, signRequest, type JobView } from '@proxima/core/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMac, sha256Hex } from '../signing.ts';
import { startLocalFunctionsHost, type LocalFunctionsHost } from '../local-host/host.ts';
import {
  CountingRunner,
  bodyOf,
  chatJob,
  newJobId,
  signedGet,
  signedPost,
  testMac,
  useTestStorage,
} from '../local-host/testing.ts';
import { decodeQueueMessage } from '../storage/job-queue.ts';
import { createPostJob } from './post-job.ts';

const { HttpRequest, InvocationContext } = azureFunctions;

const azurite = useTestStorage();
let host: LocalFunctionsHost;

beforeAll(async () => {
  host = await startLocalFunctionsHost({
    env: azurite.env,
    runner: new CountingRunner(),
    pollQueue: false,
  });
});
afterAll(async () => {
  await host?.close();
});

async function queuedIds(): Promise<string[]> {
  const { peekedMessageItems } = await azurite.storage.clients.queue.peekMessages({
    numberOfMessages: 32,
  });
  return peekedMessageItems.map((m) => (decodeQueueMessage(m.messageText) as { id: string }).id);
}

async function errorOf(
  response: Response,
): Promise<{ code: string; param: string | null; type: string }> {
  const body = (await response.json()) as {
    error: { code: string; param: string | null; type: string };
  };
  return body.error;
}

describe('POST /api/jobs', () => {
  it('accepts a signed job: 202, a queued record, the input blob byte for byte, one message', async () => {
    const job = chatJob();
    const body = bodyOf(job);
    const before = Date.now();
    const response = await signedPost(host.jobsUrl, body);
    expect(response.status).toBe(202);
    const view = (await response.json()) as JobView;
    expect(view).toMatchObject({
      id: job.id,
      kind: 'chat',
      status: 'queued',
      attempts: 0,
      error: null,
      result: null,
    });
    expect(view.created_at).toBeGreaterThanOrEqual(before);

    const stored = await azurite.storage.records.get(job.id);
    expect(stored?.record).toMatchObject({
      status: 'queued',
      tenant: 'acme',
      digest: await sha256Hex(body),
      callbackUrl: null,
    });
    expect(await azurite.storage.blobs.getInput(job.id)).toEqual(body);
    expect((await queuedIds()).filter((id) => id === job.id)).toHaveLength(1);
  });

  it('answers the same id and body again with 200 and the same view, sending its message again while no run began', async () => {
    const body = bodyOf(chatJob());
    const first = (await (await signedPost(host.jobsUrl, body)).json()) as JobView;
    const again = await signedPost(host.jobsUrl, body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(first);
    // The first POST may have died before its message went out: a retry sends one.
    expect((await queuedIds()).filter((id) => id === first.id)).toHaveLength(2);
  });

  it('refuses the same id with another body: 409', async () => {
    const job = chatJob();
    expect((await signedPost(host.jobsUrl, bodyOf(job))).status).toBe(202);
    const other = await signedPost(host.jobsUrl, bodyOf({ ...job, tenant: 'globex' }));
    expect(other.status).toBe(409);
    expect((await errorOf(other)).code).toBe('conflict');
    expect((await azurite.storage.records.get(job.id))?.record.tenant).toBe('acme');
  });

  it('refuses a missing, malformed, wrong-secret or stale signature: 401, nothing stored', async () => {
    const job = chatJob();
    const body = bodyOf(job);
    const stranger = createMac('another secret of the right length, 0123456789');
    const responses = [
      await signedPost(host.jobsUrl, body, { signature: null }),
      await signedPost(host.jobsUrl, body, { signature: 't=1,v1=abc' }),
      await signedPost(host.jobsUrl, body, { mac: stranger }),
      await signedPost(host.jobsUrl, body, { at: Date.now() - BURST_LIMITS.clockSkewMs - 60_000 }),
      // Signed for another body: the signature binds the bytes.
      await signedPost(host.jobsUrl, body, {
        signature: await signRequest(testMac, Date.now(), {
          method: 'POST',
          path: JOBS_PATH,
          body: bodyOf(chatJob()),
        }),
      }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(await errorOf(response)).toMatchObject({
        code: 'invalid_api_key',
        type: 'authentication_error',
      });
    }
    expect(await azurite.storage.records.get(job.id)).toBeNull();
  });

  it('refuses a body declared over the limit with 413 before reading it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(host.jobsUrl, {
        method: 'POST',
        headers: {
          'content-length': String(BURST_LIMITS.jobBodyBytes + 1),
          'content-type': 'application/json',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  it('stops reading an oversized body at the limit, declared length or not: 413', async () => {
    const deps = { ...azurite.storage, mac: testMac, now: Date.now };
    const bytes = new Uint8Array(BURST_LIMITS.jobBodyBytes + 1).fill(0x20);
    const response = await createPostJob(deps)(
      new HttpRequest({ method: 'POST', url: `http://localhost${JOBS_PATH}`, body: { bytes } }),
      new InvocationContext(),
    );
    expect(response.status).toBe(413);
    expect(response.jsonBody).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('refuses a bad job with 400 naming the field, and non-JSON with invalid_json', async () => {
    const badTenant = await signedPost(host.jobsUrl, bodyOf(chatJob({ tenant: 'a b' })));
    expect(badTenant.status).toBe(400);
    expect(await errorOf(badTenant)).toMatchObject({ code: 'invalid_request', param: 'tenant' });
    const visionWithoutImage = await signedPost(host.jobsUrl, bodyOf(chatJob({ kind: 'vision' })));
    expect(visionWithoutImage.status).toBe(400);
    expect((await errorOf(visionWithoutImage)).param).toBe('input.request.messages');
    const notJson = await signedPost(host.jobsUrl, new TextEncoder().encode('{"id":'));
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).code).toBe('invalid_json');
  });

  it('refuses an id whose input blob holds another body (a racing POST): 409, no record', async () => {
    const job = chatJob();
    await azurite.storage.blobs.putInput(job.id, bodyOf({ other: true }), 'ef'.repeat(32));
    const response = await signedPost(host.jobsUrl, bodyOf(job));
    expect(response.status).toBe(409);
    expect(await azurite.storage.records.get(job.id)).toBeNull();
  });

  it('answers as the second POST when another inserted the record between its read and insert', async () => {
    const job = chatJob();
    const body = bodyOf(job);
    expect((await signedPost(host.jobsUrl, body)).status).toBe(202);
    // This POST's read comes too early to see the record; its insert then loses.
    let reads = 0;
    const records = {
      ...azurite.storage.records,
      get: async (id: string) => (reads++ === 0 ? null : azurite.storage.records.get(id)),
    };
    const response = await createPostJob({
      ...azurite.storage,
      records,
      mac: testMac,
      now: Date.now,
    })(
      new HttpRequest({
        method: 'POST',
        url: `http://localhost${JOBS_PATH}`,
        headers: {
          'x-proxima-signature': await signRequest(testMac, Date.now(), {
            method: 'POST',
            path: JOBS_PATH,
            body,
          }),
        },
        body: { bytes: body },
      }),
      new InvocationContext(),
    );
    expect(response.status).toBe(200);
    // Not yet started, so the loser sends a message too: a duplicate the queue handler acknowledges.
    expect((await queuedIds()).filter((id) => id === job.id)).toHaveLength(2);
  });
});

describe('GET /api/jobs/{id}', () => {
  it('answers a signed GET with the view, 404 for an unknown id, 401 unsigned', async () => {
    const job = chatJob();
    const posted = (await (await signedPost(host.jobsUrl, bodyOf(job))).json()) as JobView;
    const got = await signedGet(host.jobsUrl, job.id);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(posted);

    const unknown = await signedGet(host.jobsUrl, newJobId());
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('not_found');

    const unsigned = await fetch(`${host.jobsUrl}/${job.id}`);
    expect(unsigned.status).toBe(401);
    const wrongSecret = await signedGet(host.jobsUrl, job.id, { mac: createMac('x'.repeat(40)) });
    expect(wrongSecret.status).toBe(401);
  });

  it('refuses an id that cannot be a job id: 400 naming id', async () => {
    const response = await signedGet(host.jobsUrl, 'job_short');
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'invalid_request', param: 'id' });
  });

  it('shows the stored result once the record says succeeded', async () => {
    const job = chatJob();
    expect((await signedPost(host.jobsUrl, bodyOf(job))).status).toBe(202);
    const stored = await azurite.storage.records.get(job.id);
    await azurite.storage.blobs.putResult(job.id, { answer: 42 });
    await azurite.storage.records.replace(
      { ...stored!.record, status: 'succeeded', attempts: 1 },
      stored!.etag,
    );
    const view = (await (await signedGet(host.jobsUrl, job.id)).json()) as JobView;
    expect(view).toMatchObject({ status: 'succeeded', attempts: 1, result: { answer: 42 } });
  });

  it('answers other paths and methods as the host would: 404 and 405 in OpenAI error JSON', async () => {
    const other = await fetch(`${host.url}/api/other`);
    expect(other.status).toBe(404);
    const put = await fetch(host.jobsUrl, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect((await errorOf(put)).code).toBe('method_not_allowed');
  });
});
