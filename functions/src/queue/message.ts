// The job queue's message, as the trigger hands it over: `{"id":"job_..."}`, parsed by the host
// into an object (or left a string or bytes when it is not JSON). Anything else is poison.
import { JOB_ID_PATTERN, JOB_ID_RULE } from '@proxima/core/jobs';

export type JobMessage =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly id: string | null; readonly reason: string };

export function parseJobMessage(message: unknown): JobMessage {
  const value =
    typeof message === 'string' || message instanceof Uint8Array ? fromText(message) : message;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return {
      ok: false,
      id: null,
      reason: `malformed message: not {"id": ...} but ${describe(value)}`,
    };
  const keys = Object.keys(value);
  const id = (value as { id?: unknown }).id;
  if (typeof id !== 'string' || !JOB_ID_PATTERN.test(id))
    return { ok: false, id: null, reason: `malformed message: id must be ${JOB_ID_RULE}` };
  if (keys.length !== 1)
    return {
      ok: false,
      id,
      reason: `malformed message: only "id" belongs in it (it has ${keys.join(', ')})`,
    };
  return { ok: true, id };
}

function fromText(message: string | Uint8Array): unknown {
  const text = typeof message === 'string' ? message : new TextDecoder().decode(message);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/** Which delivery this is (1 for the first), from the trigger's metadata. */
export function dequeueCountOf(
  triggerMetadata: Readonly<Record<string, unknown>> | undefined,
): number {
  const raw = triggerMetadata?.dequeueCount;
  const count = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1)
    throw new Error(`the queue trigger gave no usable dequeueCount (${String(raw)})`);
  return count;
}

/** The queue message's own id (the same on every delivery of it), from the trigger's metadata. */
export function messageIdOf(
  triggerMetadata: Readonly<Record<string, unknown>> | undefined,
): string {
  const id = triggerMetadata?.id;
  if (typeof id !== 'string' || id === '')
    throw new Error(`the queue trigger gave no message id (${String(id)})`);
  return id;
}
