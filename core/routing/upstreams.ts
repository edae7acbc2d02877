/**
 * OpenAI-compatible upstreams (vLLM, llama-server, LM Studio, Ollama's /v1, a cloud provider):
 * the fallback tier behind local nodes. Declared by the operator as JSON in the edge's
 * `UPSTREAMS` var; validated here, once, with errors that name the field.
 */
import { z } from 'zod';
import { ID_PATTERN, ID_RULE, MODEL_ID_PATTERN, MODEL_ID_RULE } from '../protocol/limits.ts';
import { MODEL_CAPABILITIES, type ModelCapability } from '../protocol/node/messages.ts';
import type { Backend } from './backend.ts';

/** Hosts where plain http is acceptable: the key never leaves the machine. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Env var names: what `keyVar` may name (a Worker secret); EMBEDDER's `keyVar` too. */
export const VAR_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * scheme://host[:port][/path], no credentials, query or fragment. Parsed by hand: core is pure
 * and has no URL global (see core/tsconfig.pure.json).
 */
const URL_SHAPE = /^(https?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\/[^\s?#@]*)?$/;

/** An upstream's base URL; EMBEDDER's `baseUrl` (core/embed/config.ts) is checked the same way. */
export const baseUrlSchema = z.string().superRefine((value, ctx) => {
  const m = URL_SHAPE.exec(value);
  if (!m) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an absolute http(s) URL without credentials, query or fragment',
    });
    return;
  }
  const local = LOCAL_HOSTS.has((m[2] ?? '').toLowerCase());
  if (m[1] !== 'https' && !local) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be https (http only for localhost or 127.0.0.1)',
    });
  }
});

/**
 * What an OpenAI-compatible API offers when the config does not say: tools, structured output,
 * images, penalties, logit_bias and logprobs. Not 'fim' (a chat endpoint takes no suffix),
 * 'reasoning' (only reasoning models take reasoning_effort) or 'embeddings' (another endpoint).
 */
export const UPSTREAM_DEFAULT_CAPABILITIES: readonly ModelCapability[] = [
  'tools',
  'json_schema',
  'vision',
  'penalties',
  'logit_bias',
  'logprobs',
];

/** A list of MODEL_CAPABILITIES, each at most once; AZURE_BURST_MODELS (burst.ts) uses it too. */
export const capabilityListSchema = z
  .array(
    z.string().refine((c) => (MODEL_CAPABILITIES as readonly string[]).includes(c), {
      message: `must be one of ${MODEL_CAPABILITIES.join(', ')}`,
    }),
  )
  .max(MODEL_CAPABILITIES.length)
  .superRefine((list, ctx) => {
    list.forEach((c, i) => {
      if (list.indexOf(c) !== i)
        ctx.addIssue({ code: 'custom', path: [i], message: `"${c}" is listed twice` });
    });
  })
  .transform((list) => list as ModelCapability[]);

const upstream = z.strictObject({
  name: z.string().regex(ID_PATTERN, `must be ${ID_RULE}`),
  baseUrl: baseUrlSchema,
  keyVar: z.string().regex(VAR_PATTERN, 'must be an environment variable name').optional(),
  models: z
    .record(
      z.string().regex(MODEL_ID_PATTERN, `keys must be ${MODEL_ID_RULE}`),
      z.string().min(1, 'must not be empty').max(256),
    )
    .refine((m) => Object.keys(m).length > 0, 'must map at least one model'),
  costPer1kTokens: z.number().finite().min(0),
  priority: z.number().int(),
  maxConcurrent: z.number().int().min(1).max(100_000),
  capabilities: capabilityListSchema.optional(),
});

const upstreams = z
  .array(upstream)
  .max(64)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((u, i) => {
      if (seen.has(u.name)) {
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate name "${u.name}"` });
      }
      seen.add(u.name);
    });
  });

export interface UpstreamConfig {
  readonly name: string;
  /** No trailing slash: `${baseUrl}/chat/completions` is the endpoint. */
  readonly baseUrl: string;
  /** The env secret holding its API key; absent: no Authorization header. */
  readonly keyVar?: string;
  /** Proxima model id → the upstream's model id. */
  readonly models: Readonly<Record<string, string>>;
  readonly costPer1kTokens: number;
  readonly priority: number;
  readonly maxConcurrent: number;
  /** What its models can do beyond plain chat (UPSTREAM_DEFAULT_CAPABILITIES when not given). */
  readonly capabilities: readonly ModelCapability[];
}

export const UPSTREAM_ID_PREFIX = 'upstream:';

/** An edge setting's first zod issue as an Error naming its field: `UPSTREAMS[1].name: ...`. */
export function settingError(setting: string, error: z.ZodError): Error {
  const issue = error.issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`));
  return new Error(`${setting}${path.join('')}: ${issue?.message ?? 'invalid'}`);
}

/** Parses the `UPSTREAMS` var; unset or blank is no upstreams. Throws naming the bad field. */
export function parseUpstreams(raw: string | undefined): readonly UpstreamConfig[] {
  if (raw === undefined || raw.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`UPSTREAMS is not valid JSON: ${(err as Error).message}`);
  }
  const result = upstreams.safeParse(json);
  if (!result.success) throw settingError('UPSTREAMS', result.error);
  return result.data.map(({ keyVar, capabilities, ...u }) => ({
    ...u,
    ...(keyVar === undefined ? {} : { keyVar }),
    capabilities: capabilities ?? [...UPSTREAM_DEFAULT_CAPABILITIES],
    baseUrl: u.baseUrl.replace(/\/+$/, ''),
  }));
}

/** The routing view of the upstreams that map `model`, with this isolate's in-flight counts. */
export function upstreamBackends(
  configs: readonly UpstreamConfig[],
  model: string,
  inFlight: (name: string) => number,
): Backend[] {
  return configs
    .filter((u) => Object.hasOwn(u.models, model))
    .map((u) => ({
      id: `${UPSTREAM_ID_PREFIX}${u.name}`,
      tier: 'upstream',
      models: [model],
      warmModels: [model],
      costPer1kTokens: u.costPer1kTokens,
      priority: u.priority,
      capacity: {
        slots: u.maxConcurrent,
        inFlight: inFlight(u.name),
        queued: 0,
        vramFreeBytes: null,
      },
      draining: false,
      suspect: false,
      // The sentinel watches nodes (Presence); an upstream's faults go to its breaker.
      degraded: false,
      // An OpenAI-compatible API has no standard way to continue an assistant turn.
      canContinue: false,
      // Routing's capability filter sends it only what its models can do.
      capabilities: u.capabilities,
    }));
}
