// The optional callback: once a job is finished, POST its JobView, signed like every request
// between the edge and the Function App, to the URL the job named. A failed callback is logged and
// dropped: the edge can always poll GET /api/jobs/{id}, so it is never worth a retry of the job.
import type { InvocationContext } from '@azure/functions';
import { SIGNATURE_HEADER, signRequest, type JobView, type Mac } from '@proxima/core/jobs';

export const CALLBACK_TIMEOUT_MS = 10_000;

export async function sendCallback(
  deps: { readonly mac: Mac; readonly now: () => number; readonly callbackTimeoutMs?: number },
  url: string,
  view: JobView,
  context: InvocationContext,
): Promise<void> {
  try {
    const body = new TextEncoder().encode(JSON.stringify(view));
    const signature = await signRequest(deps.mac, deps.now(), {
      method: 'POST',
      path: new URL(url).pathname,
      body,
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(deps.callbackTimeoutMs ?? CALLBACK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok)
      context.warn(
        `callback for job ${view.id} to ${new URL(url).host} answered ${response.status}`,
      );
  } catch (err) {
    context.warn(
      `callback for job ${view.id} failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
