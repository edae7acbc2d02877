// The signature is the only auth (the functions are anonymous to the Functions host): the edge
// signs time, method, path and body with the shared secret, and anything else is a 401.
import type { HttpRequest } from '@azure/functions';
import { SIGNATURE_HEADER, verifyRequest, type Mac } from '@proxima/core/jobs';
import { ProximaError } from '@proxima/core/protocol';

export async function authenticate(
  mac: Mac,
  request: HttpRequest,
  body: Uint8Array,
  now: number,
): Promise<void> {
  const check = await verifyRequest(mac, request.headers.get(SIGNATURE_HEADER), now, {
    method: request.method,
    path: new URL(request.url).pathname,
    body,
  });
  if (!check.ok) throw new ProximaError('invalid_api_key', `Unauthorized: ${check.message}.`);
}
