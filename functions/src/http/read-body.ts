// A request body read up to a cap: past it the stream is cancelled, so an oversized upload costs
// the cap in memory and no more.
import type { HttpRequest } from '@azure/functions';
import { ProximaError } from '@proxima/core/protocol';

export async function readBodyCapped(request: HttpRequest, cap: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > cap) throw tooLarge(`${declared} bytes`, cap);
  const stream = request.body;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
    if (done || value === undefined) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel();
      throw tooLarge(`over ${cap} bytes`, cap);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body;
}

function tooLarge(size: string, cap: number): ProximaError {
  return new ProximaError(
    'payload_too_large',
    `The job body is ${size}; a job may be at most ${cap} bytes.`,
  );
}
