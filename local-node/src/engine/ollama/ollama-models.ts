/**
 * An Ollama server's models as the node announces them: the list from /api/tags, and per model
 * from /api/show its context (the `num_ctx` parameter when set, else its trained length) and what
 * it can do (its `capabilities`), plus logprobs when the server's version has them.
 */
import { MODEL_ID_PATTERN, type ModelCapability } from '@proxima/core/protocol';
import type { EngineModel } from '../engine.ts';

/** The first Ollama release that returns log probabilities. */
export const LOGPROBS_SINCE = '0.12.0';

/** Assumed when /api/show gives no context length: Ollama's own default context. */
export const FALLBACK_CONTEXT = 4096;

/** The parts of /api/show this engine reads (the client's type says Map; the wire is an object). */
export interface OllamaShow {
  readonly capabilities?: readonly string[] | null;
  readonly model_info?: Readonly<Record<string, unknown>> | null;
  readonly parameters?: string | null;
  readonly details?: {
    readonly family?: string | null;
    readonly parameter_size?: string | null;
    readonly quantization_level?: string | null;
  } | null;
}

/** How a served model is reached on the server and what a request to it may use. */
export interface OllamaTarget {
  /** Its name on the Ollama server. */
  readonly name: string;
  /** It thinks (Ollama's 'thinking' capability): `think` may be sent. */
  readonly reasoning: boolean;
  readonly keepAlive?: string | number;
  /** Sent as options.num_ctx (the contextSize option). */
  readonly numCtx?: number;
}

export interface OllamaModel extends EngineModel {
  readonly target: OllamaTarget;
}

/** True when version `a` (e.g. "0.12.3", "0.13.0-rc1") is at least `b`. */
export function versionAtLeast(a: string, b: string): boolean {
  const parts = (v: string) => (/^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim()) ?? []).slice(1).map(Number);
  const [x, y] = [parts(a), parts(b)];
  if (x.length < 3 || y.length < 3) return false;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return true;
}

/** `num_ctx` from the Modelfile parameters text ("num_ctx 8192\nstop …"), if set. */
export function numCtxParameter(parameters: string | null | undefined): number | undefined {
  const m = /^\s*num_ctx\s+(\d+)\s*$/m.exec(parameters ?? '');
  const n = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** `<architecture>.context_length` from model_info. */
export function trainedContext(info: OllamaShow['model_info']): number | undefined {
  const arch = info?.['general.architecture'];
  if (typeof arch !== 'string') return undefined;
  const n = info?.[`${arch}.context_length`];
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export type OllamaKind = 'generate' | 'embed';

/** 'generate' for completion models, 'embed' for embedding-only ones, null for neither. */
export function kindOf(show: OllamaShow): OllamaKind | null {
  const caps = show.capabilities ?? [];
  if (caps.includes('completion')) return 'generate';
  return caps.includes('embedding') ? 'embed' : null;
}

/**
 * Ollama's capabilities as Proxima's. Every completion model takes a JSON schema (Ollama turns
 * `format` into a grammar) and frequency/presence penalties; none takes logit_bias.
 */
export function capabilitiesOf(show: OllamaShow, logprobs: boolean): ModelCapability[] {
  const caps = show.capabilities ?? [];
  if (kindOf(show) === 'embed') return ['embeddings'];
  const out: ModelCapability[] = [];
  if (caps.includes('tools')) out.push('tools');
  out.push('json_schema', 'penalties');
  if (logprobs) out.push('logprobs');
  if (caps.includes('vision')) out.push('vision');
  if (caps.includes('insert')) out.push('fim');
  if (caps.includes('thinking')) out.push('reasoning');
  return out;
}

export interface ModelFacts {
  readonly id: string;
  readonly name: string;
  readonly show: OllamaShow;
  readonly host: string;
  readonly logprobs: boolean;
  /** The contextSize option. */
  readonly contextSize?: number;
  /** What /api/ps says the loaded model runs with, when it is loaded. */
  readonly loadedContext?: number;
  readonly keepAlive?: string | number;
}

/**
 * The announced context: the operator's (capped by the model's), else the model's own, capped by
 * what the server runs it with when it is loaded (Ollama's default context is often shorter).
 */
export function contextOf(facts: ModelFacts): { contextSize: number; assumed: boolean } {
  const own = numCtxParameter(facts.show.parameters) ?? trainedContext(facts.show.model_info);
  // The operator's num_ctx reloads the model with it, so what it runs with now no longer counts.
  const runtime = facts.contextSize ?? facts.loadedContext;
  const limits = [own, runtime].filter((n): n is number => n !== undefined);
  return limits.length === 0
    ? { contextSize: FALLBACK_CONTEXT, assumed: true }
    : { contextSize: Math.min(...limits), assumed: own === undefined };
}

function describe(facts: ModelFacts): string {
  const d = facts.show.details;
  const detail = [d?.family, d?.parameter_size, d?.quantization_level].filter(
    (s): s is string => typeof s === 'string' && s !== '',
  );
  const what = detail.length > 0 ? ` (${detail.join(', ')})` : '';
  return `${facts.name}${what} on the Ollama server at ${facts.host}`.slice(0, 512);
}

/** The model as announced, or null when it neither generates nor embeds. */
export function engineModelOf(facts: ModelFacts): OllamaModel | null {
  const kind = kindOf(facts.show);
  if (kind === null) return null;
  const { contextSize } = contextOf(facts);
  const reasoning = (facts.show.capabilities ?? []).includes('thinking');
  return {
    id: facts.id,
    ...(kind === 'embed' ? { kind } : {}),
    contextSize,
    description: describe(facts),
    capabilities: capabilitiesOf(facts.show, facts.logprobs),
    target: {
      name: facts.name,
      reasoning,
      ...(facts.keepAlive === undefined ? {} : { keepAlive: facts.keepAlive }),
      ...(facts.contextSize === undefined ? {} : { numCtx: contextSize }),
    },
  };
}

/**
 * The server's names for the models asked for: exact, or with Ollama's default tag ":latest"
 * added. Throws naming every missing one and what the server has.
 */
export function resolveNames(
  wanted: readonly string[],
  listed: readonly string[],
  host: string,
): Map<string, string> {
  const found = new Map<string, string>();
  const missing: string[] = [];
  for (const name of wanted) {
    const match = listed.find((l) => l === name) ?? listed.find((l) => l === `${name}:latest`);
    if (match === undefined) missing.push(name);
    else found.set(name, match);
  }
  if (missing.length > 0)
    throw new Error(
      `ollama engine: the Ollama server at ${host} has no model ${missing.map((m) => `'${m}'`).join(', ')}` +
        ` (it has ${listed.length === 0 ? 'none' : listed.join(', ')}); pull it first (ollama pull NAME)`,
    );
  return found;
}

/** A served id: the prefix and the name; null when it is no valid model id. */
export function modelIdOf(prefix: string, name: string): string | null {
  const id = `${prefix}${name}`;
  return MODEL_ID_PATTERN.test(id) ? id : null;
}
