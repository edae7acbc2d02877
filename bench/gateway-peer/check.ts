/**
 * Before anything is timed, each path must give the right answer: the whole completion, and a
 * stream of SSE chunks whose text is the same and which ends with `[DONE]`. Proxima's two paths
 * must be served by the backend they are meant to measure (its `x-proxima-backend` header).
 */
import { UPSTREAM_NAME } from './stack.ts';
import type { ChatRequests, ChatTarget } from './targets.ts';
import type { RequestSpec } from '../load/request.ts';

const TEXT = 'ok';

function send(spec: RequestSpec): Promise<Response> {
  return fetch(spec.url, {
    method: spec.method,
    headers: spec.headers,
    ...(spec.body === undefined ? {} : { body: spec.body }),
  });
}

function backendProblem(target: ChatTarget, res: Response): string | null {
  const backend = res.headers.get('x-proxima-backend');
  if (target === 'proxima' && backend !== `upstream:${UPSTREAM_NAME}`) {
    return `served by ${backend}, not upstream:${UPSTREAM_NAME}`;
  }
  if (target === 'proxima_node' && (backend === null || backend.startsWith('upstream:'))) {
    return `served by ${backend}, not the node`;
  }
  return null;
}

async function checkWhole(target: ChatTarget, spec: RequestSpec): Promise<string | null> {
  const res = await send(spec);
  const text = await res.text();
  if (res.status !== 200) return `status ${res.status}: ${text.slice(0, 200)}`;
  const content = (JSON.parse(text) as { choices?: Array<{ message?: { content?: unknown } }> })
    .choices?.[0]?.message?.content;
  if (content !== TEXT) return `content ${JSON.stringify(content)}, not "${TEXT}"`;
  return backendProblem(target, res);
}

async function checkStream(target: ChatTarget, spec: RequestSpec): Promise<string | null> {
  const res = await send(spec);
  const text = await res.text();
  if (res.status !== 200) return `status ${res.status}: ${text.slice(0, 200)}`;
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('text/event-stream')) return `content-type ${type}`;
  let content = '';
  let done = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown } }> };
    const piece = chunk.choices?.[0]?.delta?.content;
    if (typeof piece === 'string') content += piece;
  }
  if (!done) return 'the stream did not end with [DONE]';
  if (content !== TEXT) return `streamed text ${JSON.stringify(content)}, not "${TEXT}"`;
  return backendProblem(target, res);
}

export interface CheckResult {
  /** Why the whole answer is wrong, or null. */
  readonly whole: string | null;
  /** Why the streamed answer is wrong, or null. */
  readonly stream: string | null;
}

export async function checkTarget(
  target: ChatTarget,
  requests: ChatRequests,
): Promise<CheckResult> {
  const whole = await checkWhole(target, requests.whole).catch((err: unknown) => String(err));
  const stream = await checkStream(target, requests.stream).catch((err: unknown) => String(err));
  return { whole, stream };
}
