import * as z from 'zod';
import {
  exceedsUtf8,
  FIELD_LIMITS as L,
  FRAME_MAX_BYTES,
  ID_PATTERN,
  isWellFormedText,
  ID_RULE,
  MODEL_ID_PATTERN,
  MODEL_ID_RULE,
  REQUEST_BODY_MAX_BYTES,
  utf8Length,
} from '../limits.ts';
import { formatPath } from '../validation.ts';
import { CLOSE } from './close-codes.ts';

/**
 * The node <-> edge protocol over one WebSocket. Text frames of JSON, one message each.
 * The node opens with `hello`; the edge answers `welcome`. Versions are negotiated in hello.
 */
export const NODE_PROTOCOL_VERSION = 1;

/**
 * Optional capabilities a node announces in hello, so new fields stay within protocol 1: an old
 * node strips job fields it does not know (zod objects are not strict), so the edge sends such a
 * field only to a node that listed the feature. Unknown names are accepted and ignored.
 * - 'continue': the node honours `assistantPrefix` (continues that text, never repeats it).
 * - 'flow': the node honours `pause` and `resume` (sends nothing more for a paused job).
 */
export const NODE_FEATURES = ['continue', 'flow'] as const;
export type NodeFeature = (typeof NODE_FEATURES)[number];
const FEATURE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

const id = z.string().regex(ID_PATTERN, `must be ${ID_RULE}`);
const modelId = z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`);
const count = z.number().int().min(0);
const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const usage = z.object({ promptTokens: count, completionTokens: count });

export const nodeModel = z.object({
  id: modelId,
  contextSize: z
    .number()
    .int()
    .min(1)
    .max(1 << 30),
  description: z.string().max(L.modelDescriptionChars),
  /** The node's own bound: a prompt longer than this (UTF-8 bytes) cannot fit its context. */
  maxPromptBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});

const hello = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  nodeId: id,
  agent: z.string().max(L.agentChars),
  engine: z.string().max(L.engineChars),
  gpu: z.string().max(L.gpuChars),
  vramTotalBytes: bytes,
  vramFreeBytes: bytes,
  slots: z.number().int().min(1).max(1024),
  models: z
    .array(nodeModel)
    .min(1, 'must list at least one model')
    .max(L.helloModels)
    .refine((models) => new Set(models.map((m) => m.id)).size === models.length, {
      message: 'must not list a model twice',
    }),
  /** Absent (old nodes) means none. */
  features: z.array(z.string().regex(FEATURE_PATTERN)).max(32).optional(),
});

const heartbeat = z.object({
  type: z.literal('heartbeat'),
  inFlight: count,
  queued: count,
  vramFreeBytes: bytes,
});

const chunk = z.object({
  type: z.literal('chunk'),
  jobId: id,
  seq: count,
  text: z.string().max(L.chunkChars),
});
const done = z.object({
  type: z.literal('done'),
  jobId: id,
  seq: count,
  finishReason: z.enum(['stop', 'length']),
  usage,
});
const jobError = z.object({
  type: z.literal('error'),
  jobId: id,
  code: z.string().max(L.jobErrorCodeChars),
  message: z.string().max(L.jobErrorMessageChars),
});
const drain = z.object({ type: z.literal('drain') });

export const nodeToEdge = z.discriminatedUnion('type', [
  hello,
  heartbeat,
  chunk,
  done,
  jobError,
  drain,
]);

const jobRequest = z.object({
  model: modelId,
  messages: z
    .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
    .min(1)
    .max(L.messages),
  maxTokens: z.number().int().min(1).max(L.maxTokensCeiling).nullable(),
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0).max(1),
  stop: z.array(z.string().max(L.stopChars)).max(L.stopSequences),
  seed: z.number().int().nullable(),
  /**
   * Text the client already received from an earlier attempt: the node continues this assistant
   * turn and streams only what comes after it. Bounded like message content (by the body limit),
   * well-formed so a cut never falls inside a surrogate pair. Only for nodes with 'continue'.
   */
  assistantPrefix: z
    .string()
    .min(1)
    .refine(isWellFormedText, 'must not contain unpaired surrogates')
    .refine((t) => !exceedsUtf8(t, REQUEST_BODY_MAX_BYTES), {
      message: `must be at most ${REQUEST_BODY_MAX_BYTES} bytes`,
    })
    .optional(),
});

const welcome = z.object({
  type: z.literal('welcome'),
  protocol: z.number().int(),
  heartbeatMs: z.number().int().min(100),
});
const job = z.object({ type: z.literal('job'), jobId: id, request: jobRequest });
const cancel = z.object({
  type: z.literal('cancel'),
  jobId: id,
  reason: z.string().max(L.cancelReasonChars),
});

/**
 * Flow control, for nodes with 'flow': the job's reader fell behind, so the node holds further
 * output of that job (in its own memory) until `resume`. The edge never buffers a whole answer.
 */
const pause = z.object({ type: z.literal('pause'), jobId: id });
const resume = z.object({ type: z.literal('resume'), jobId: id });

export const edgeToNode = z.discriminatedUnion('type', [welcome, job, cancel, pause, resume]);

export type NodeToEdge = z.infer<typeof nodeToEdge>;
export type EdgeToNode = z.infer<typeof edgeToNode>;
export type Hello = z.infer<typeof hello>;
export type Heartbeat = z.infer<typeof heartbeat>;
export type JobRequest = z.infer<typeof jobRequest>;
export type NodeModel = z.infer<typeof nodeModel>;

export type Parsed<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly code: number; readonly reason: string };

function parseFrame<T>(schema: z.ZodType<T>, frame: string | ArrayBuffer): Parsed<T> {
  if (typeof frame !== 'string')
    return { ok: false, code: CLOSE.malformed, reason: 'binary frames are not accepted' };
  if (exceedsUtf8(frame, FRAME_MAX_BYTES))
    return { ok: false, code: CLOSE.malformed, reason: `frame over ${FRAME_MAX_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch {
    return { ok: false, code: CLOSE.malformed, reason: 'frame is not JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const field = issue ? formatPath(issue.path) : '';
  return {
    ok: false,
    code: CLOSE.malformed,
    reason: `invalid ${field || 'message'}: ${issue?.message ?? 'invalid'}`,
  };
}

export function parseNodeToEdge(frame: string | ArrayBuffer): Parsed<NodeToEdge> {
  return parseFrame(nodeToEdge, frame);
}

export function parseEdgeToNode(frame: string | ArrayBuffer): Parsed<EdgeToNode> {
  return parseFrame(edgeToNode, frame);
}

export function encode(message: NodeToEdge | EdgeToNode): string {
  return JSON.stringify(message);
}

/** Whether a node's hello announced `feature`; old nodes announce none. */
export function nodeSupports(hello: Pick<Hello, 'features'>, feature: NodeFeature): boolean {
  return hello.features?.includes(feature) ?? false;
}

/**
 * UTF-8 bytes of a job's prompt text (all messages and the assistant prefix, which the node also
 * evaluates), the measure the context bound uses.
 */
export function promptBytes(request: JobRequest): number {
  let bytes = utf8Length(request.assistantPrefix ?? '');
  for (const m of request.messages) bytes += utf8Length(m.content);
  return bytes;
}

/** The longest job id the protocol allows, so a size measured with it bounds every real frame. */
const LONGEST_JOB_ID = 'j'.repeat(128);

/**
 * Whether a job frame for `request` stays within FRAME_MAX_BYTES, measured the way the node
 * measures it. The edge refuses what would not fit (413) instead of sending a frame the node drops.
 */
export function jobFrameFits(request: JobRequest): boolean {
  return !exceedsUtf8(encode({ type: 'job', jobId: LONGEST_JOB_ID, request }), FRAME_MAX_BYTES);
}

/**
 * The job id of a job frame that failed validation, so the node can fail that one job and keep
 * its connection. Null when the frame is not recognisably a job.
 */
export function jobIdOfRejectedFrame(frame: string | ArrayBuffer): string | null {
  if (typeof frame !== 'string') return null;
  // encode() writes type and jobId first; a prefix is enough even for a frame too large to parse.
  const match = /^\{"type":"job","jobId":"([^"\\]{1,128})"/.exec(frame.slice(0, 200));
  const jobId = match?.[1];
  return jobId !== undefined && ID_PATTERN.test(jobId) ? jobId : null;
}
