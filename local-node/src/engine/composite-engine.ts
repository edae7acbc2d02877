/**
 * Several engines behind one: a node that runs `--model a.gguf --ollama URL --onnx-embed e.onnx`
 * announces every engine's models, and each job goes to the engine serving its model.
 */
import {
  InvalidRequestError,
  type EmbedRequest,
  type EmbedResult,
  type Engine,
  type EngineInfo,
  type EngineModel,
  type GenerateEvent,
  type GenerateRequest,
  type OcrRequest,
  type OcrResult,
} from './engine.ts';

export interface NamedEngine {
  /** As hello reports it: 'llama.cpp', 'ollama', 'openai-compatible', 'onnx' … */
  readonly name: string;
  readonly engine: Engine;
}

export class CompositeEngine implements Engine {
  readonly models: readonly EngineModel[];
  readonly continuesAssistant: boolean;
  /** The engines' names joined, for hello's `engine` field. */
  readonly name: string;
  readonly #engines: readonly NamedEngine[];
  readonly #byModel: ReadonlyMap<string, Engine>;

  constructor(engines: readonly NamedEngine[]) {
    if (engines.length === 0) throw new Error('a node needs at least one engine');
    const byModel = new Map<string, Engine>();
    const owner = new Map<string, string>();
    for (const { name, engine } of engines) {
      for (const model of engine.models) {
        const first = owner.get(model.id);
        if (first !== undefined)
          throw new Error(
            `model '${model.id}' is served by both ${first} and ${name}; give one of them another id (e.g. its --*-prefix option)`,
          );
        owner.set(model.id, name);
        byModel.set(model.id, engine);
      }
    }
    this.#engines = engines;
    this.#byModel = byModel;
    this.models = engines.flatMap((e) => e.engine.models);
    this.name = [...new Set(engines.map((e) => e.name))].join('+');
    // The node announces 'continue' for all its models at once, so only when every engine that
    // generates can continue an assistant turn.
    this.continuesAssistant = engines
      .filter((e) => e.engine.models.some((m) => (m.kind ?? 'generate') === 'generate'))
      .every((e) => e.engine.continuesAssistant === true);
  }

  async info(): Promise<EngineInfo> {
    const infos = await Promise.all(this.#engines.map((e) => e.engine.info()));
    const local = infos.filter((i) => i.vramTotalBytes > 0);
    // Engines may share one GPU: the largest total and the smallest free figure never overstate.
    return {
      engine: this.name,
      gpu: [...new Set(infos.map((i) => i.gpu))].join('+'),
      vramTotalBytes: local.length === 0 ? 0 : Math.max(...local.map((i) => i.vramTotalBytes)),
      vramFreeBytes: local.length === 0 ? 0 : Math.min(...local.map((i) => i.vramFreeBytes)),
    };
  }

  async *generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent> {
    yield* this.#engineFor(req.model).generate(req, signal);
  }

  async embed(req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult> {
    const engine = this.#engineFor(req.model);
    if (engine.embed === undefined)
      throw new InvalidRequestError(`model '${req.model}' does not make embeddings`, 'model');
    return engine.embed(req, signal);
  }

  async recognize(req: OcrRequest, signal: AbortSignal): Promise<OcrResult> {
    const engine = this.#engineFor(req.model);
    if (engine.recognize === undefined)
      throw new InvalidRequestError(`model '${req.model}' does not read images`, 'model');
    return engine.recognize(req, signal);
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled(this.#engines.map((e) => e.engine.close()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  #engineFor(model: string): Engine {
    const engine = this.#byModel.get(model);
    if (engine === undefined)
      throw new InvalidRequestError(`this node does not serve model '${model}'`, 'model');
    return engine;
  }
}
