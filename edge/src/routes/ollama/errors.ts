// Ollama's error shape, `{"error": "..."}`, with the status and headers of the edge's own answer.
import { toProximaError } from '@proxima/core/protocol';
import { ollamaErrorBody } from '@proxima/core/protocol/ollama';
import { errorResponse } from '../../errors.ts';

export function ollamaErrorResponse(err: unknown): Response {
  const res = errorResponse(err);
  const body = ollamaErrorBody(toProximaError(err).message);
  return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
}
