// GET /api/jobs/{id}: signed with an empty body; 200 with the JobView (and the result once the job
// succeeded), 404 for an unknown id.
import { JOB_ID_PATTERN, JOB_ID_RULE } from '@proxima/core/jobs';
import { ProximaError } from '@proxima/core/protocol';
import { authenticate } from './authenticate.ts';
import type { HttpDeps, HttpHandler } from './deps.ts';
import { failureResponse, viewResponse } from './responses.ts';
import { viewOf } from './view.ts';

/** A GET is signed over an empty body (fetch sends none with a GET). */
const EMPTY = new Uint8Array(0);

export function createGetJob(
  deps: Pick<HttpDeps, 'records' | 'blobs' | 'mac' | 'now'>,
): HttpHandler {
  return async (request, context) => {
    try {
      await authenticate(deps.mac, request, EMPTY, deps.now());
      const id = request.params.id ?? '';
      if (!JOB_ID_PATTERN.test(id))
        throw new ProximaError('invalid_request', `The job id must be ${JOB_ID_RULE}.`, {
          param: 'id',
        });
      const stored = await deps.records.get(id);
      if (stored === null) throw new ProximaError('not_found', `No job has the id ${id}.`);
      return viewResponse(200, await viewOf(deps, stored.record));
    } catch (err) {
      return failureResponse(err, context);
    }
  };
}
