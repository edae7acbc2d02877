import {
  embeddingModelName,
  parseEmbedderConfig,
  type EmbedderConfig,
  type Embedder,
} from '@proxima/core/embed';
import { ProximaError } from '@proxima/core/protocol';
import { intVar, type Env } from '../env.ts';
import { LexicalHashEmbedder } from './lexical.ts';
import { OpenAiCompatibleEmbedder } from './openai-compatible.ts';
import { WorkersAiEmbedder, type AiBinding } from './workers-ai.ts';

/** The embedder this edge serves, with the name clients call it by. */
export interface ConfiguredEmbedder {
  readonly config: EmbedderConfig;
  /** The `model` of POST /v1/embeddings, listed in /v1/models. */
  readonly model: string;
  readonly embedder: Embedder;
  /** Usage's backend: the lexical embedder runs in the edge itself, so none. */
  readonly backend: string;
}

/**
 * `EMBEDDER` parsed once per isolate (keyed by its text, like UPSTREAMS). A bad value is logged
 * once per isolate (`embedder.invalid`, naming the field) and makes every use a 500: unlike an
 * upstream, there is no other embedder to fall back on without mixing vectors.
 */
let parsed: { readonly raw: string | undefined; readonly result: EmbedderConfig | Error } | null =
  null;

function configOf(env: Env): EmbedderConfig | Error {
  if (parsed === null || parsed.raw !== env.EMBEDDER) {
    let result: EmbedderConfig | Error;
    try {
      result = parseEmbedderConfig(env.EMBEDDER);
    } catch (err) {
      result = err instanceof Error ? err : new Error(String(err));
      console.error(
        JSON.stringify({ event: 'embedder.invalid', error: result.message.slice(0, 500) }),
      );
    }
    parsed = { raw: env.EMBEDDER, result };
  }
  return parsed.result;
}

const misconfigured = () =>
  new ProximaError(
    'internal_error',
    'The embedder is not configured correctly (EMBEDDER); the edge log names the problem.',
  );

/** How long a remote embedder may take to answer one batch (`EMBEDDER_TIMEOUT_MS`, default 30 s). */
export function embedderTimeoutMs(env: Env): number {
  return intVar(env.EMBEDDER_TIMEOUT_MS, 30_000, 100, 600_000);
}

/** A value of the Worker's env by a name the config gives (a secret or a binding). */
function envValue(env: Env, name: string): unknown {
  return (env as unknown as Record<string, unknown>)[name];
}

function build(env: Env, config: EmbedderConfig): Embedder {
  switch (config.kind) {
    case 'lexical':
      return new LexicalHashEmbedder(config.dim);
    case 'openai': {
      const key = config.keyVar === undefined ? undefined : envValue(env, config.keyVar);
      if (config.keyVar !== undefined && (typeof key !== 'string' || key === '')) {
        console.error(
          JSON.stringify({
            event: 'embedder.invalid',
            error: `the secret ${config.keyVar} is not set`,
          }),
        );
        throw misconfigured();
      }
      return new OpenAiCompatibleEmbedder(config, {
        apiKey: key as string | undefined,
        timeoutMs: embedderTimeoutMs(env),
      });
    }
    case 'workers-ai': {
      const binding = envValue(env, config.binding) as Partial<AiBinding> | undefined;
      if (typeof binding?.run !== 'function') {
        console.error(
          JSON.stringify({
            event: 'embedder.invalid',
            error: `no Workers AI binding named ${config.binding}`,
          }),
        );
        throw misconfigured();
      }
      return new WorkersAiEmbedder(config, binding as AiBinding);
    }
  }
}

/** The configured embedder, built for this request's env; a 500 when EMBEDDER is bad. */
export function configuredEmbedder(env: Env): ConfiguredEmbedder {
  const config = configOf(env);
  if (config instanceof Error) throw misconfigured();
  return {
    config,
    model: embeddingModelName(config),
    embedder: build(env, config),
    backend: config.kind === 'lexical' ? 'none' : `upstream:embedder.${config.kind}`,
  };
}

export function embedderFor(env: Env): Embedder {
  return configuredEmbedder(env).embedder;
}

/** The embeddings model's public name, or null when EMBEDDER is bad (for /v1/models). */
export function embeddingModelOf(env: Env): string | null {
  const config = configOf(env);
  return config instanceof Error ? null : embeddingModelName(config);
}
