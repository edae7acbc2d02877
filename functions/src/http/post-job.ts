// POST /api/jobs: a signed BurstJob in, 202 (new), 200 (the same id and body again), 409 (the id
// with another body). Order matters for crashes: the input blob is written before the record and
// the record before the message, so a message always finds its record and a record its input.
import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import {
  BURST_LIMITS,
  admit,
  jobView,
  parseJob,
  type BurstJob,
  type Admission,
} from '@proxima/core/jobs';
import { ProximaError } from '@proxima/core/protocol';
import { sha256Hex } from '../signing.ts';
import { authenticate } from './authenticate.ts';
import type { HttpDeps, HttpHandler } from './deps.ts';
import { readBodyCapped } from './read-body.ts';
import { failureResponse, viewResponse } from './responses.ts';
import { viewOf } from './view.ts';

export function createPostJob(deps: HttpDeps): HttpHandler {
  return async (request, context) => {
    try {
      const body = await readBodyCapped(request, BURST_LIMITS.jobBodyBytes);
      await authenticate(deps.mac, request, body, deps.now());
      const job = parseJob(parseJson(body));
      return await accept(deps, job, body, context);
    } catch (err) {
      return failureResponse(err, context);
    }
  };
}

async function accept(
  deps: HttpDeps,
  job: BurstJob,
  body: Uint8Array,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const digest = await sha256Hex(body);
  const existing = await deps.records.get(job.id);
  const admission = admit(existing?.record ?? null, job, digest, deps.now());
  if (admission.action !== 'create') return answerKnown(deps, admission);

  const input = await deps.blobs.putInput(job.id, body, digest);
  if (!input.stored)
    throw new ProximaError(
      'conflict',
      `job ${job.id} is being admitted with another body; a new job needs a new id`,
    );
  const insertion = await deps.records.insert(admission.record);
  if (!insertion.inserted) {
    // Another POST of this id inserted first: answer as if this one came second.
    const winner = await deps.records.get(job.id);
    const again = admit(winner?.record ?? null, job, digest, deps.now());
    if (again.action === 'create') throw new Error(`job ${job.id}: insert lost to a vanished row`);
    return answerKnown(deps, again);
  }
  await deps.queue.enqueue(job.id);
  context.info(`burst job ${job.id} (${job.kind}) accepted for tenant ${job.tenant}`);
  return viewResponse(202, jobView(admission.record, null, deps.now()));
}

async function answerKnown(
  deps: HttpDeps,
  admission: Exclude<Admission, { readonly action: 'create' }>,
): Promise<HttpResponseInit> {
  if (admission.action === 'conflict') throw new ProximaError('conflict', admission.message);
  // The first POST may have died between storing the record and sending the message.
  if (admission.enqueue) await deps.queue.enqueue(admission.record.id);
  return viewResponse(200, await viewOf(deps, admission.record));
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as unknown;
  } catch {
    throw new ProximaError('invalid_json', 'The job body is not valid UTF-8 JSON.');
  }
}
