/**
 * The node's side of the protocol, as rules: which jobs it refuses and with what error frame,
 * how a job's output becomes numbered frames, and what it answers to a frame it cannot parse.
 * Pure; the agent (local-node/src/agent/) and the edge tests' scripted node both use it, and
 * node-peer.case.ts checks that both behave alike on the wire.
 */
import { FIELD_LIMITS } from '../../limits.ts';
import { deltaBeyondText, type AnswerDelta } from '../../openai/answer.ts';
import type { FinishReason, TokenUsage } from '../../openai/chat-response.ts';
import {
  jobIdOfRejectedFrame,
  type JobRequest,
  type ModelCapability,
  type NodeToEdge,
} from '../messages.ts';

export interface NodeState {
  readonly draining: boolean;
  readonly models: readonly string[];
  /** Honours assistantPrefix (announced as the 'continue' feature). */
  readonly continues: boolean;
  /** What a served model can do beyond plain chat, as announced in hello. */
  readonly capabilities: (model: string) => readonly ModelCapability[];
  /** Whether a job with this id is running or queued here. */
  readonly has: (jobId: string) => boolean;
}

export type JobAdmission =
  | { readonly kind: 'accept' }
  /** A second job frame with a running job's id: ignored, the first stream stands. */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'refuse'; readonly frame: Extract<NodeToEdge, { type: 'error' }> };

export function admitJob(state: NodeState, jobId: string, request: JobRequest): JobAdmission {
  if (state.has(jobId)) return { kind: 'duplicate' };
  const refuse = (code: string, message: string): JobAdmission => ({
    kind: 'refuse',
    frame: { type: 'error', jobId, code, message },
  });
  if (state.draining) return refuse('draining', 'node is draining');
  if (!state.models.includes(request.model)) {
    return refuse('model_not_served', `this node does not serve '${request.model}'`);
  }
  // Generating from scratch would repeat text the client already has.
  if (request.assistantPrefix !== undefined && !state.continues) {
    return refuse('continue_unsupported', 'this node cannot continue an assistant prefix');
  }
  // The edge routes by the capabilities announced; this guards against any other sender.
  const has = state.capabilities(request.model);
  const missing = jobNeeds(request).find((need) => !has.includes(need));
  if (missing !== undefined) {
    return refuse(
      'capability_unsupported',
      `'${request.model}' on this node does not have the '${missing}' capability`,
    );
  }
  return { kind: 'accept' };
}

/** The model capabilities a job needs (the node-side mirror of routing's requiredCapabilities). */
export function jobNeeds(request: JobRequest): ModelCapability[] {
  const needs = new Set<ModelCapability>();
  if (request.tools !== undefined && request.toolChoice !== 'none') needs.add('tools');
  if (request.messages.some((m) => m.role === 'tool' || (m.toolCalls?.length ?? 0) > 0))
    needs.add('tools');
  if (request.responseFormat !== undefined) needs.add('json_schema');
  if (request.messages.some((m) => (m.images?.length ?? 0) > 0)) needs.add('vision');
  if ((request.frequencyPenalty ?? 0) !== 0 || (request.presencePenalty ?? 0) !== 0)
    needs.add('penalties');
  if ((request.logitBias?.length ?? 0) > 0) needs.add('logit_bias');
  if (request.logprobs !== undefined) needs.add('logprobs');
  if (request.reasoningEffort !== undefined) needs.add('reasoning');
  if (request.prompt?.suffix !== undefined) needs.add('fim');
  return [...needs];
}

/**
 * A frame that failed validation: when it names a job, that job fails with invalid_job and the
 * connection (and every other job on it) carries on; otherwise it is only logged.
 */
export function rejectedFrameAnswer(
  frame: string | ArrayBuffer,
  reason: string,
): Extract<NodeToEdge, { type: 'error' }> | null {
  const jobId = jobIdOfRejectedFrame(frame);
  if (jobId === null) return null;
  return {
    type: 'error',
    jobId,
    code: 'invalid_job',
    message: `the node refused the job frame: ${reason}`.slice(0, 256),
  };
}

/**
 * One job's frames: chunks numbered from 0, then exactly one done (numbered too) or error.
 * Nothing after the end; an empty chunk is not sent (the edge counts each chunk as a token).
 */
export class JobFrames {
  private seq = 0;
  private ended = false;
  private readonly jobId: string;

  constructor(jobId: string) {
    this.jobId = jobId;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  chunk(delta: AnswerDelta | string): NodeToEdge | null {
    const d = typeof delta === 'string' ? { text: delta } : delta;
    if (this.ended || (d.text === '' && !deltaBeyondText(d))) return null;
    return {
      type: 'chunk',
      jobId: this.jobId,
      seq: this.seq++,
      text: d.text,
      ...(d.reasoning ? { reasoning: d.reasoning } : {}),
      ...(d.toolCalls?.length ? { toolCalls: d.toolCalls.map((c) => ({ ...c })) } : {}),
      ...(d.logprobs?.length
        ? {
            logprobs: d.logprobs.map((e) => ({
              token: e.token,
              logprob: e.logprob,
              bytes: [...e.bytes],
              top: e.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: [...t.bytes] })),
            })),
          }
        : {}),
    };
  }

  done(finishReason: FinishReason, usage: TokenUsage): NodeToEdge | null {
    if (this.ended) return null;
    this.ended = true;
    return { type: 'done', jobId: this.jobId, seq: this.seq++, finishReason, usage };
  }

  error(code: string, message: string): NodeToEdge | null {
    if (this.ended) return null;
    this.ended = true;
    return {
      type: 'error',
      jobId: this.jobId,
      code,
      // The frame's own bound; the edge logs the text and never shows it to clients.
      message: message.slice(0, FIELD_LIMITS.jobErrorMessageChars),
    };
  }

  /** Cancelled by the edge: it no longer listens, so nothing more is sent. */
  cancel(): void {
    this.ended = true;
  }
}
