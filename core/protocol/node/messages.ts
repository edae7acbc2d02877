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
import { EMBED_LIMITS } from '../../embed/limits.ts';
import { REASONING_EFFORTS, SAMPLING_LIMITS } from '../openai/chat-request.ts';
import { IMAGE_LIMITS } from '../openai/images.ts';
import { TOOL_LIMITS, TOOL_NAME_PATTERN } from '../openai/tools.ts';
import { CLOSE } from './close-codes.ts';

/**
 * The node <-> edge protocol over one WebSocket. Text frames of JSON, one message each.
 * The node opens with `hello`; the edge answers `welcome`. Versions are negotiated in hello: an
 * edge closes a node of another version with CLOSE.unsupportedProtocol, which the node reports
 * and does not retry. Version 2 added tools, structured output, penalties, logit bias, log
 * probabilities, reasoning, images, raw completions (FIM) and model capabilities.
 */
export const NODE_PROTOCOL_VERSION = 2;

/**
 * Optional capabilities a node announces in hello, so new fields stay within protocol 1: an old
 * node strips job fields it does not know (zod objects are not strict), so the edge sends such a
 * field only to a node that listed the feature. Unknown names are accepted and ignored.
 * - 'continue': the node honours `assistantPrefix` (continues that text, never repeats it).
 * - 'flow': the node honours `pause` and `resume` (sends nothing more for a paused job).
 * - 'embed': the node takes `embed` jobs for its models of kind 'embed' and answers `embedding`.
 */
export const NODE_FEATURES = ['continue', 'flow', 'embed'] as const;
export type NodeFeature = (typeof NODE_FEATURES)[number];
const FEATURE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

const id = z.string().regex(ID_PATTERN, `must be ${ID_RULE}`);
const modelId = z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`);
const count = z.number().int().min(0);
const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const usage = z.object({ promptTokens: count, completionTokens: count });
/** Jobs a node runs at once. */
const slots = z.number().int().min(1).max(1024);

/**
 * What a model can do beyond plain chat. The edge routes a request that needs one only to models
 * that list it, and refuses with a 400 naming the parameter when none does.
 * - 'tools': function calling, its arguments constrained to their schema;
 * - 'json_schema': response_format json_object and json_schema, constrained by a grammar;
 * - 'vision': image parts; 'fim': raw completions with a suffix (fill in the middle);
 * - 'logprobs': log probabilities of the sampled tokens and their alternatives;
 * - 'logit_bias', 'penalties': frequency/presence penalties; 'reasoning': reasoning_content.
 */
export const MODEL_CAPABILITIES = [
  'tools',
  'json_schema',
  'vision',
  'fim',
  'logprobs',
  'logit_bias',
  'penalties',
  'reasoning',
  'embeddings',
] as const;
export type ModelCapability = (typeof MODEL_CAPABILITIES)[number];

/**
 * What a model is for: 'generate' (chat and raw completions; a model without `kind`), 'embed'
 * (vectors: `embed` jobs) or 'ocr' (text from images). The edge sends a model jobs of its kind only.
 */
export const MODEL_KINDS = ['generate', 'embed', 'ocr'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** A model's kind as announced: absent means 'generate'. */
export function modelKindOf(model: { readonly kind?: ModelKind | undefined }): ModelKind {
  return model.kind ?? 'generate';
}

/**
 * Bounds of one embedding job, derived from the embeddings API's (EMBED_LIMITS): the edge splits
 * a request into jobs of at most `inputsPerJob` inputs whose frame fits (embedJobBatches), so the
 * largest answer, `inputsPerJob` vectors of `maxDim` float32 values in base64, fits one frame too
 * (embed-job.test.ts computes it).
 */
export const EMBED_JOB_LIMITS = {
  inputsPerJob: 32,
  inputChars: EMBED_LIMITS.inputChars,
  maxDim: EMBED_LIMITS.maxDim,
  /** Base64 characters of one vector of `maxDim` float32 values. */
  vectorBase64Chars: 4 * Math.ceil((EMBED_LIMITS.maxDim * 4) / 3),
} as const;

/** A kind this edge does not know (from a newer node): such a model is left out of its hello. */
const UNKNOWN_KIND = null;
const modelKind = z.union([
  z.enum(MODEL_KINDS),
  z
    .string()
    .regex(FEATURE_PATTERN)
    .transform(() => UNKNOWN_KIND),
]);

export const nodeModel = z.object({
  id: modelId,
  /** Absent: 'generate'. Models of a kind this edge does not know are dropped from the hello. */
  kind: modelKind.optional(),
  contextSize: z
    .number()
    .int()
    .min(1)
    .max(1 << 30),
  description: z.string().max(L.modelDescriptionChars),
  /** The node's own bound: a prompt longer than this (UTF-8 bytes) cannot fit its context. */
  maxPromptBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  /** Unknown names are dropped, so a newer node's capabilities do not break an older edge. */
  capabilities: z
    .array(z.string().max(32))
    .max(32)
    .transform((list) =>
      list.filter((c): c is ModelCapability =>
        (MODEL_CAPABILITIES as readonly string[]).includes(c),
      ),
    )
    .optional(),
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
  slots,
  models: z
    .array(nodeModel)
    .min(1, 'must list at least one model')
    .max(L.helloModels)
    .refine((models) => new Set(models.map((m) => m.id)).size === models.length, {
      message: 'must not list a model twice',
    })
    .transform((models) =>
      models.filter((m): m is typeof m & { kind?: ModelKind } => m.kind !== UNKNOWN_KIND),
    ),
  /** Absent (old nodes) means none. */
  features: z.array(z.string().regex(FEATURE_PATTERN)).max(32).optional(),
});

const heartbeat = z.object({
  type: z.literal('heartbeat'),
  inFlight: count,
  queued: count,
  vramFreeBytes: bytes,
  /** Jobs it runs at once now (it follows free VRAM); absent (old nodes): hello's figure holds. */
  slots: slots.optional(),
});

const toolCallDelta = z.object({
  /** Position of the call in the answer's list of calls. */
  index: z
    .number()
    .int()
    .min(0)
    .max(TOOL_LIMITS.callsPerMessage - 1),
  id: z.string().min(1).max(TOOL_LIMITS.callIdChars),
  name: z.string().regex(TOOL_NAME_PATTERN),
  /** JSON text of the arguments, whole: a node sends a call once it is complete. */
  arguments: z.string().max(L.chunkChars),
});
const tokenLogprob = z.object({
  token: z.string().max(L.chunkChars),
  logprob: z.number().max(0),
  /** The token's UTF-8 bytes (a token may be part of a character). */
  bytes: z.array(z.number().int().min(0).max(255)).max(256),
});
const logprobEntry = tokenLogprob.extend({
  top: z.array(tokenLogprob).max(SAMPLING_LIMITS.topLogprobs),
});

const chunk = z.object({
  type: z.literal('chunk'),
  jobId: id,
  seq: count,
  text: z.string().max(L.chunkChars),
  /** Reasoning text (a `<think>` section), for reasoning_content. */
  reasoning: z.string().max(L.chunkChars).optional(),
  toolCalls: z.array(toolCallDelta).max(TOOL_LIMITS.callsPerMessage).optional(),
  /** One entry per sampled token of this chunk, when the job asked for logprobs. */
  logprobs: z.array(logprobEntry).max(4096).optional(),
});
export const FINISH_REASONS = ['stop', 'length', 'tool_calls'] as const;
const done = z.object({
  type: z.literal('done'),
  jobId: id,
  seq: count,
  finishReason: z.enum(FINISH_REASONS),
  usage,
});
const jobError = z.object({
  type: z.literal('error'),
  jobId: id,
  code: z.string().max(L.jobErrorCodeChars),
  message: z.string().max(L.jobErrorMessageChars),
});
const drain = z.object({ type: z.literal('drain') });

/**
 * The answer to an `embed` job: one vector per input, in order, each the base64 of its
 * little-endian float32 values. The edge checks the count, the common length and the values
 * (decodeEmbeddingResult); a result that fails any check fails that job only.
 */
const embedding = z.object({
  type: z.literal('embedding'),
  jobId: id,
  vectors: z
    .array(
      z
        .string()
        .min(1)
        .max(EMBED_JOB_LIMITS.vectorBase64Chars)
        .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
    )
    .min(1)
    .max(EMBED_JOB_LIMITS.inputsPerJob),
  promptTokens: count,
});

export const nodeToEdge = z.discriminatedUnion('type', [
  hello,
  heartbeat,
  chunk,
  done,
  jobError,
  drain,
  embedding,
]);

const jobImage = z.object({
  mimeType: z.enum(IMAGE_LIMITS.mimeTypes),
  base64: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/),
});
const jobMessage = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  images: z.array(jobImage).max(IMAGE_LIMITS.perRequest).optional(),
  toolCalls: z
    .array(
      z.object({
        id: z.string().min(1).max(TOOL_LIMITS.callIdChars),
        name: z.string().regex(TOOL_NAME_PATTERN),
        arguments: z.string(),
      }),
    )
    .max(TOOL_LIMITS.callsPerMessage)
    .optional(),
  toolCallId: z.string().min(1).max(TOOL_LIMITS.callIdChars).optional(),
});
const jobTool = z.object({
  name: z.string().regex(TOOL_NAME_PATTERN),
  description: z.string().max(TOOL_LIMITS.descriptionChars),
  parameters: z.record(z.string(), z.unknown()),
});

const jobRequest = z
  .object({
    model: modelId,
    /** The chat; empty for a raw completion (`prompt`). */
    messages: z.array(jobMessage).max(L.messages),
    /** A raw completion (POST /v1/completions): the prompt as is, and a suffix for FIM. */
    prompt: z.object({ text: z.string(), suffix: z.string().optional() }).optional(),
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
    // Version 2. Absent means off / the default.
    frequencyPenalty: z.number().min(-2).max(2).optional(),
    presencePenalty: z.number().min(-2).max(2).optional(),
    /** [token id, bias]: the model's own token ids. */
    logitBias: z
      .array(
        z.tuple([
          z.number().int().min(0),
          z.number().min(-SAMPLING_LIMITS.logitBias).max(SAMPLING_LIMITS.logitBias),
        ]),
      )
      .max(SAMPLING_LIMITS.logitBiasEntries)
      .optional(),
    /** Alternatives per token (0..20) when log probabilities are wanted. */
    logprobs: z.number().int().min(0).max(SAMPLING_LIMITS.topLogprobs).optional(),
    tools: z.array(jobTool).max(TOOL_LIMITS.tools).optional(),
    toolChoice: z
      .union([
        z.enum(['none', 'auto', 'required']),
        z.object({ name: z.string().regex(TOOL_NAME_PATTERN) }),
      ])
      .optional(),
    parallelToolCalls: z.boolean().optional(),
    responseFormat: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('json_object') }),
        z.object({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }),
      ])
      .optional(),
    reasoningEffort: z.enum(REASONING_EFFORTS).optional(),
  })
  .refine((r) => (r.prompt === undefined) !== (r.messages.length === 0), {
    message: 'a job holds either messages or a prompt',
    path: ['messages'],
  });

const welcome = z.object({
  type: z.literal('welcome'),
  protocol: z.number().int(),
  heartbeatMs: z.number().int().min(100),
});
const job = z.object({ type: z.literal('job'), jobId: id, request: jobRequest });

const embedInput = z
  .string()
  .min(1, 'must not be empty')
  .max(EMBED_JOB_LIMITS.inputChars)
  .refine(isWellFormedText, 'must not contain unpaired surrogates');
const embedJobRequest = z.object({
  model: modelId,
  inputs: z.array(embedInput).min(1).max(EMBED_JOB_LIMITS.inputsPerJob),
  /** Fewer dimensions than the model gives (where it allows that); absent: all of them. */
  dimensions: z.number().int().min(1).max(EMBED_JOB_LIMITS.maxDim).optional(),
});
/** An embedding job, for nodes with the 'embed' feature and a model of kind 'embed'. */
const embed = z.object({ type: z.literal('embed'), jobId: id, request: embedJobRequest });
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

export const edgeToNode = z.discriminatedUnion('type', [
  welcome,
  job,
  cancel,
  pause,
  resume,
  embed,
]);

export type NodeToEdge = z.infer<typeof nodeToEdge>;
export type EdgeToNode = z.infer<typeof edgeToNode>;
export type Hello = z.infer<typeof hello>;
export type Heartbeat = z.infer<typeof heartbeat>;
export type JobRequest = z.infer<typeof jobRequest>;
export type EmbedJobRequest = z.infer<typeof embedJobRequest>;
export type EmbeddingFrame = z.infer<typeof embedding>;
/** A model as a parsed hello lists it (models of unknown kinds are gone by then). */
export type NodeModel = Hello['models'][number];

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
  bytes += utf8Length(request.prompt?.text ?? '') + utf8Length(request.prompt?.suffix ?? '');
  for (const m of request.messages) {
    bytes += utf8Length(m.content);
    for (const c of m.toolCalls ?? []) bytes += utf8Length(c.name) + utf8Length(c.arguments);
  }
  return bytes;
}

/** The longest job id the protocol allows, so a size measured with it bounds every real frame. */
export const LONGEST_JOB_ID = 'j'.repeat(128);

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
  return jobIdOfFrame(frame, /^\{"type":"(?:job|embed)","jobId":"([^"\\]{1,128})"/);
}

/**
 * The job id of an `embedding` frame that failed validation, so the edge fails that one job (a
 * malformed result) and keeps the node's connection. Null when the frame is not recognisably one.
 */
export function jobIdOfRejectedResult(frame: string | ArrayBuffer): string | null {
  return jobIdOfFrame(frame, /^\{"type":"embedding","jobId":"([^"\\]{1,128})"/);
}

function jobIdOfFrame(frame: string | ArrayBuffer, prefix: RegExp): string | null {
  if (typeof frame !== 'string') return null;
  // encode() writes type and jobId first; a prefix is enough even for a frame too large to parse.
  const jobId = prefix.exec(frame.slice(0, 200))?.[1];
  return jobId !== undefined && ID_PATTERN.test(jobId) ? jobId : null;
}
