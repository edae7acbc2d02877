// HTTP answers in OpenAI's shapes: a JobView, or `{error:{message,type,param,code}}` with the
// status core assigns to the error's code.
import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import type { JobView } from '@proxima/core/jobs';
import { ProximaError } from '@proxima/core/protocol';

export function viewResponse(status: 200 | 202, view: JobView): HttpResponseInit {
  return { status, jsonBody: view };
}

export function errorResponse(err: ProximaError): HttpResponseInit {
  return {
    status: err.status,
    jsonBody: err.toBody(),
    headers: {
      ...err.headers,
      ...(err.retryAfter === undefined ? {} : { 'retry-after': String(err.retryAfter) }),
    },
  };
}

/** A ProximaError as itself; anything else is logged here and answered as a bare 500. */
export function failureResponse(err: unknown, context: InvocationContext): HttpResponseInit {
  if (err instanceof ProximaError) return errorResponse(err);
  context.error('burst job request failed', err);
  return errorResponse(new ProximaError('internal_error', 'Internal error.'));
}
