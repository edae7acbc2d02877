/** Startup: which of the server's models to serve, read from /api/tags, /api/show and /api/ps. */
import type { Logger } from '../../agent/log.ts';
import { ollamaClient } from './ollama-client.ts';
import { ollamaFailure } from './ollama-errors.ts';
import type { OllamaPsModel } from './ollama-info.ts';
import {
  contextOf,
  engineModelOf,
  LOGPROBS_SINCE,
  modelIdOf,
  resolveNames,
  versionAtLeast,
  type ModelFacts,
  type OllamaModel,
  type OllamaShow,
} from './ollama-models.ts';
import type { ValidatedOllamaOptions } from './ollama-options.ts';

/** A server that has not answered by then is taken as down. */
export const STARTUP_TIMEOUT_MS = 30_000;

/** Runs `f` against the server, turning its failures into errors naming the host. */
async function asking<T>(
  opts: ValidatedOllamaOptions,
  signal: AbortSignal,
  f: () => Promise<T>,
  model?: string,
): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (signal.aborted)
      throw new Error(
        `ollama engine: the Ollama server at ${opts.host} did not answer within ${STARTUP_TIMEOUT_MS / 1000} s`,
        { cause: err },
      );
    throw ollamaFailure(err, { host: opts.host, signal, ...(model ? { model } : {}) });
  }
}

export async function discoverModels(
  opts: ValidatedOllamaOptions,
  log: Logger,
): Promise<OllamaModel[]> {
  const signal = AbortSignal.timeout(STARTUP_TIMEOUT_MS);
  const client = ollamaClient(opts.host, signal);
  const { models: tags } = await asking(opts, signal, () => client.list());
  const version = await asking(opts, signal, () => client.version()).then(
    (v) => v.version,
    () => 'unknown',
  );
  const loaded = await asking(opts, signal, () => client.ps()).then(
    (ps) => ps.models as readonly OllamaPsModel[],
    () => [],
  );
  const logprobs = versionAtLeast(version, LOGPROBS_SINCE);
  log('info', 'ollama.server', { host: opts.host, version, logprobs, models: tags.length });

  const listed = tags.map((t) => t.name);
  const explicit = opts.models !== undefined;
  const wanted = explicit
    ? [...resolveNames(opts.models ?? [], listed, opts.host)]
    : listed.map((name) => [name, name] as const);
  const served: OllamaModel[] = [];
  for (const [asked, name] of wanted) {
    const id = modelIdOf(opts.idPrefix, asked);
    if (id === null) {
      const why = `'${opts.idPrefix}${asked}' is not a valid model id (1-128 of A-Z a-z 0-9 . _ : / @ + -)`;
      if (explicit) throw new Error(`ollama engine: ${why}`);
      log('warn', 'ollama.model_skipped', { model: name, reason: why });
      continue;
    }
    const show = (await asking(
      opts,
      signal,
      () => client.show({ model: name }),
      name,
    )) as unknown as OllamaShow;
    const loadedContext = loaded.find((m) => m.name === name)?.context_length ?? undefined;
    const facts: ModelFacts = {
      id,
      name,
      show,
      host: opts.host,
      logprobs,
      ...(opts.contextSize === undefined ? {} : { contextSize: opts.contextSize }),
      ...(loadedContext ? { loadedContext } : {}),
      ...(opts.keepAlive === undefined ? {} : { keepAlive: opts.keepAlive }),
    };
    const model = engineModelOf(facts);
    if (model === null) {
      const why = `it neither generates nor embeds (capabilities: ${(show.capabilities ?? []).join(', ') || 'none'})`;
      if (explicit) throw new Error(`ollama engine: cannot serve '${name}': ${why}`);
      log('warn', 'ollama.model_skipped', { model: name, reason: why });
      continue;
    }
    if (contextOf(facts).assumed)
      log('warn', 'ollama.context_assumed', {
        model: name,
        contextSize: model.contextSize,
        hint: 'the server gives no context length for it; set contextSize to send num_ctx',
      });
    served.push(model);
  }
  if (served.length === 0)
    throw new Error(
      `ollama engine: the Ollama server at ${opts.host} has no model to serve; pull one first (ollama pull NAME)`,
    );
  return served;
}
