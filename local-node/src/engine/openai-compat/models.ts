/**
 * A server's `/v1/models` listing as the models an engine serves. Entries say what they can
 * through vendor fields, when they say anything: a Proxima node or edge its `proxima` field,
 * llama-server `meta.n_ctx_train`, vLLM `max_model_len`, LM Studio `max_context_length`.
 */
import {
  FIELD_LIMITS,
  MODEL_CAPABILITIES,
  MODEL_ID_PATTERN,
  type ModelCapability,
} from '@proxima/core/protocol';
import type { EngineModel, ModelKind } from '../engine.ts';
import type { ValidatedOpenAiCompatOptions } from './options.ts';

/** Assumed when neither the server nor the operator gives a context size. */
export const ASSUMED_CONTEXT = 4096;

/** A model this engine serves, and the server's name for it. */
export interface ServedModel {
  readonly model: EngineModel;
  readonly upstreamId: string;
}

export interface ListedModels {
  readonly served: readonly ServedModel[];
  /** One line per thing worth telling the operator (skipped entries, assumed sizes). */
  readonly notes: readonly string[];
}

type Fields = Readonly<Record<string, unknown>>;
const fieldsOf = (v: unknown): Fields | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : undefined;
const size = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 && v <= 1 << 30 ? v : undefined;

/** The context the entry announces, by the first vendor field present. */
export function announcedContext(entry: unknown): number | undefined {
  const e = fieldsOf(entry);
  return (
    size(fieldsOf(e?.['proxima'])?.['context_length']) ??
    size(fieldsOf(e?.['meta'])?.['n_ctx_train']) ??
    size(e?.['max_model_len']) ??
    size(e?.['max_context_length'])
  );
}

/** What a Proxima server announces for the entry: its capabilities and kind. */
export function announcedByProxima(entry: unknown): {
  capabilities: ModelCapability[];
  kind: ModelKind | undefined;
} {
  const proxima = fieldsOf(fieldsOf(entry)?.['proxima']);
  const listed = proxima?.['capabilities'];
  const capabilities = Array.isArray(listed)
    ? MODEL_CAPABILITIES.filter((c) => listed.includes(c))
    : [];
  const kind = proxima?.['kind'];
  return {
    capabilities,
    kind: kind === 'generate' || kind === 'embed' || kind === 'ocr' ? kind : undefined,
  };
}

function describe(upstreamId: string, shownUrl: string): string {
  const text = `${upstreamId} on the OpenAI-compatible server ${shownUrl}`;
  return text.slice(0, FIELD_LIMITS.modelDescriptionChars);
}

/**
 * The models of a listing (`data` of `/v1/models`) this engine serves: those `options.models`
 * names (all when absent), under `idPrefix`. A named model the server lacks is an error.
 */
export function servedModelsOf(
  data: readonly unknown[],
  options: Pick<
    ValidatedOpenAiCompatOptions,
    'models' | 'contextSize' | 'capabilities' | 'idPrefix' | 'shownUrl'
  >,
): ListedModels {
  const notes: string[] = [];
  const listed = new Map<string, unknown>();
  for (const entry of data) {
    const id = fieldsOf(entry)?.['id'];
    if (typeof id === 'string' && !listed.has(id)) listed.set(id, entry);
  }
  const wanted = options.models ?? [...listed.keys()];
  const missing = wanted.filter((id) => !listed.has(id));
  if (missing.length > 0)
    throw new Error(
      `openai-compatible engine: ${options.shownUrl} does not serve ${missing.map((m) => `'${m}'`).join(', ')}; ` +
        `it lists ${listed.size === 0 ? 'no models' : [...listed.keys()].map((m) => `'${m}'`).join(', ')}`,
    );
  const served: ServedModel[] = [];
  for (const upstreamId of wanted) {
    const entry = listed.get(upstreamId);
    const id = options.idPrefix + upstreamId;
    if (!MODEL_ID_PATTERN.test(id)) {
      if (options.models !== undefined)
        throw new Error(`openai-compatible engine: '${id}' is not a usable model id`);
      notes.push(`skipped '${upstreamId}': '${id}' is not a usable model id`);
      continue;
    }
    const { capabilities, kind } = announcedByProxima(entry);
    if (kind === 'ocr') {
      notes.push(`skipped '${upstreamId}': OCR models are not served through this engine`);
      continue;
    }
    let contextSize = announcedContext(entry) ?? options.contextSize;
    if (contextSize === undefined) {
      contextSize = ASSUMED_CONTEXT;
      notes.push(
        `'${upstreamId}': the server does not say its context size; assuming ${ASSUMED_CONTEXT}`,
      );
    }
    const generates = kind === undefined || kind === 'generate';
    // The operator's word is about generation; an embedding model says for itself what it does.
    const all = new Set([...(generates ? options.capabilities : []), ...capabilities]);
    served.push({
      upstreamId,
      model: {
        id,
        ...(generates ? {} : { kind }),
        contextSize,
        description: describe(upstreamId, options.shownUrl),
        capabilities: MODEL_CAPABILITIES.filter((c) => all.has(c)),
      },
    });
  }
  if (served.length === 0)
    throw new Error(
      `openai-compatible engine: ${options.shownUrl} lists no model this node can serve`,
    );
  return { served, notes };
}
