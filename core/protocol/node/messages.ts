import * as z from 'zod';
import { formatPath } from '../validation.ts';
import { CLOSE } from './close-codes.ts';

/**
 * The node <-> edge protocol over one WebSocket. Text frames of JSON, one message each.
 * The node opens with `hello`; the edge answers `welcome`. Versions are negotiated in hello.
 */
export const NODE_PROTOCOL_VERSION = 1;
export const MAX_FRAME_CHARS = 1024 * 1024;

const id = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');
const count = z.number().int().min(0);
const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const usage = z.object({ promptTokens: count, completionTokens: count });

export const nodeModel = z.object({
  id,
  contextSize: z.number().int().min(1),
  description: z.string().max(512),
});

const hello = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  nodeId: id,
  agent: z.string().max(128),
  engine: z.string().max(64),
  gpu: z.string().max(64),
  vramTotalBytes: bytes,
  vramFreeBytes: bytes,
  slots: z.number().int().min(1).max(1024),
  models: z.array(nodeModel).min(1, 'must list at least one model').max(64),
});

const heartbeat = z.object({
  type: z.literal('heartbeat'),
  inFlight: count,
  queued: count,
  vramFreeBytes: bytes,
});

const chunk = z.object({ type: z.literal('chunk'), jobId: id, seq: count, text: z.string() });
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
  code: z.string().max(64),
  message: z.string().max(2048),
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
  model: id,
  messages: z
    .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
    .min(1),
  maxTokens: z.number().int().min(1).nullable(),
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0).max(1),
  stop: z.array(z.string()).max(4),
  seed: z.number().int().nullable(),
});

const welcome = z.object({
  type: z.literal('welcome'),
  protocol: z.number().int(),
  heartbeatMs: z.number().int().min(100),
});
const job = z.object({ type: z.literal('job'), jobId: id, request: jobRequest });
const cancel = z.object({ type: z.literal('cancel'), jobId: id, reason: z.string().max(256) });

export const edgeToNode = z.discriminatedUnion('type', [welcome, job, cancel]);

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
  if (frame.length > MAX_FRAME_CHARS)
    return { ok: false, code: CLOSE.malformed, reason: 'frame too large' };
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
