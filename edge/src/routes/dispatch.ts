import { ProximaError, type ChatRequest, type JobRequest } from '@proxima/core/protocol';
import { nodeSessionStub, registryStub, type Env } from '../env.ts';
import { JobEventReader } from '../node-session/job-events.ts';

const MAX_ATTEMPTS = 3;
const RETRY_AFTER_SECONDS = 5;

export interface Dispatched {
  readonly nodeId: string;
  readonly events: JobEventReader;
}

export function toJobRequest(req: ChatRequest): JobRequest {
  return {
    model: req.model,
    messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
    maxTokens: req.maxTokens ?? null,
    temperature: req.temperature,
    topP: req.topP,
    stop: [...req.stop],
    seed: req.seed ?? null,
  };
}

/**
 * Asks the registry for a node and hands the job to its session. A node that turns out to be gone
 * or draining is skipped and the next one tried, so a stale registry entry costs a retry, not an error.
 */
export async function dispatchJob(env: Env, req: ChatRequest): Promise<Dispatched> {
  const registry = registryStub(env);
  const job = toJobRequest(req);
  const tried: string[] = [];
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const pick = await registry.route(req.model, tried);
    if (pick.kind === 'unknown_model') {
      throw new ProximaError(
        'model_not_found',
        `The model '${req.model}' does not exist or no node has served it.`,
        {
          param: 'model',
        },
      );
    }
    if (pick.kind === 'no_capacity') break;
    tried.push(pick.nodeId);
    let result;
    try {
      result = await nodeSessionStub(env, pick.nodeId).dispatch(job);
    } catch (err) {
      console.error('dispatch to node failed', pick.nodeId, err);
      continue;
    }
    if (result.ok) return { nodeId: pick.nodeId, events: new JobEventReader(result.events) };
    if (result.reason === 'not_connected')
      await registry.nodeDisconnected(pick.nodeId, undefined, Date.now());
  }
  throw new ProximaError(
    'no_capacity',
    `No node can serve '${req.model}' right now; retry shortly.`,
    {
      retryAfter: RETRY_AFTER_SECONDS,
    },
  );
}
