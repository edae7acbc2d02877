/**
 * Speculative decoding for the llama engine: a predictor guesses the next tokens, the model
 * checks them all in one batch and keeps those it would have sampled itself. Each kept token is
 * the model's own sample, so the output's distribution is unchanged, and greedy output (at
 * temperature 0) is token for token what it is without speculation.
 * - 'draft': a smaller model with the same vocabulary drafts greedily on its own context;
 * - 'prompt-lookup': the last generated tokens are looked up in the prompt and what followed
 *   them there is the guess (no second model; pays off when answers quote their input).
 * Speculating sequences are kept between jobs, each with its own predictor (sequenceFor).
 *
 * How many tokens a draft model has ready when the model checks depends on timing, and each
 * checked token draws from the sampler's random stream, so with a draft model a seeded request
 * at temperature > 0 would not repeat itself. Such requests run without predictions (the
 * predictor sits the job out): a seed keeps its promise, at the cost of speed. Prompt lookup
 * guesses the same for the same tokens, so it speculates on every request.
 */
import {
  DraftSequenceTokenPredictor,
  InputLookupTokenPredictor,
  TokenBias,
  TokenPredictor,
} from 'node-llama-cpp';
import type { LlamaContext, LlamaContextSequence, Token } from 'node-llama-cpp';

export type SpeculationKind = 'draft' | 'prompt-lookup';

export interface SpeculationCounts {
  /** Predicted tokens the model confirmed. */
  readonly validated: number;
  /** Predicted tokens the model rejected: their evaluation was wasted. */
  readonly refuted: number;
}

export interface SpeculationStats extends SpeculationCounts {
  readonly kind: SpeculationKind | 'off';
  /** Finished jobs that ran with a predictor. */
  readonly jobs: number;
  /** Finished jobs that ran without one: seeded requests at temperature > 0, with a draft model. */
  readonly skipped: number;
  /** validated / (validated + refuted); null before any prediction was checked. */
  readonly acceptanceRate: number | null;
  /** The last finished job's counts; null before the first. */
  readonly last: SpeculationCounts | null;
}

/** How this engine speculates: not at all, by prompt lookup, or with a draft model's context. */
export type SpeculationSetup =
  | { readonly kind: 'off' }
  | { readonly kind: 'prompt-lookup' }
  | {
      readonly kind: 'draft';
      readonly context: LlamaContext;
      /** Drafting stops at a token less likely than this; undefined: node-llama-cpp's 0.6. */
      readonly minConfidence?: number | undefined;
    };

/** A job's sequence on the target context and how to give it back. */
export interface JobSequence {
  readonly sequence: LlamaContextSequence;
  /** Records the job's counts and gives the sequence back. */
  release(): Promise<void>;
}

/** Whether a job speculates: always, except seeded sampling with a draft model (see above). */
export function speculates(
  kind: SpeculationKind | 'off',
  job: { readonly temperature: number; readonly seeded: boolean },
): boolean {
  if (kind === 'off') return false;
  return kind === 'prompt-lookup' || job.temperature === 0 || !job.seeded;
}

/** A predictor that can sit a job out: it then predicts nothing and leaves its draft alone. */
class GatedPredictor extends TokenPredictor {
  enabled = true;
  readonly #inner: TokenPredictor;

  constructor(inner: TokenPredictor) {
    super();
    this.#inner = inner;
  }

  reset(params: Parameters<TokenPredictor['reset']>[0]): Promise<void> | void {
    if (this.enabled) return this.#inner.reset(params);
  }

  pushTokens(tokens: Token[]): void {
    if (this.enabled) this.#inner.pushTokens(tokens);
  }

  predictTokens(): Promise<Token[]> | Token[] {
    return this.enabled ? this.#inner.predictTokens() : [];
  }

  override stop(untilPredictionsExhausted?: boolean): Promise<void> | void {
    return this.#inner.stop(untilPredictionsExhausted);
  }

  override updateInputTokens(tokens: Token[]): void {
    if (this.enabled) this.#inner.updateInputTokens(tokens);
  }

  override dispose(): Promise<void> | void {
    return this.#inner.dispose();
  }
}

interface Kept {
  readonly sequence: LlamaContextSequence;
  readonly gate: GatedPredictor;
  readonly draft: LlamaContextSequence | undefined;
}

export class Speculation {
  readonly #setup: SpeculationSetup;
  /** Speculating sequences between jobs, each with its predictor (and draft sequence). */
  readonly #idle: Kept[] = [];
  #validated = 0;
  #refuted = 0;
  #jobs = 0;
  #skipped = 0;
  #last: SpeculationCounts | null = null;

  constructor(setup: SpeculationSetup) {
    this.#setup = setup;
  }

  get kind(): SpeculationKind | 'off' {
    return this.#setup.kind;
  }

  /**
   * A sequence for one job, predicting when `speculate`. Without speculation on this engine, a
   * fresh one, disposed after. With it, one kept for the engine's life with its predictor:
   * node-llama-cpp serialises a predictor's work on its draft sequence only within that
   * predictor, so a draft sequence handed from one predictor to another (or disposed under one
   * still drafting) fails in the background (measured: "inconsistent sequence positions", an
   * unhandled rejection). A kept sequence starts each job from whatever prefix it shares with
   * the last one, as node-llama-cpp's chat sessions do.
   */
  sequenceFor(context: LlamaContext, speculate: boolean): JobSequence {
    const setup = this.#setup;
    if (setup.kind === 'off') {
      const sequence = context.getSequence();
      return { sequence, release: () => sequence.dispose() };
    }
    const kept = this.#idle.pop() ?? keep(context, setup);
    kept.gate.enabled = speculate;
    const before = kept.sequence.tokenPredictions;
    return {
      sequence: kept.sequence,
      release: () => {
        const after = kept.sequence.tokenPredictions;
        if (speculate)
          this.#record({
            validated: after.validated - before.validated,
            refuted: after.refuted - before.refuted,
          });
        else this.#skipped++;
        this.#idle.push(kept);
        return Promise.resolve();
      },
    };
  }

  /**
   * Waits until no predictor is still drafting for a job that ended: call before disposing the
   * models, or that draft fails in the background (measured: "Object is disposed", unhandled).
   * A decode on each draft sequence waits for the one in flight (they share its lock).
   */
  async settle(): Promise<void> {
    await Promise.all(
      this.#idle.map(async ({ gate, draft }) => {
        await gate.stop();
        if (draft === undefined) return;
        const token = draft.model.tokens.bos ?? draft.contextTokens.at(-1);
        if (token === undefined) return;
        await draft.evaluateWithoutGeneratingNewTokens([token]).catch(() => undefined);
      }),
    );
  }

  stats(): SpeculationStats {
    const checked = this.#validated + this.#refuted;
    return {
      kind: this.#setup.kind,
      jobs: this.#jobs,
      skipped: this.#skipped,
      validated: this.#validated,
      refuted: this.#refuted,
      acceptanceRate: checked === 0 ? null : this.#validated / checked,
      last: this.#last,
    };
  }

  #record({ validated, refuted }: SpeculationCounts): void {
    this.#jobs++;
    this.#validated += validated;
    this.#refuted += refuted;
    this.#last = { validated, refuted };
  }
}

function keep(context: LlamaContext, setup: Exclude<SpeculationSetup, { kind: 'off' }>): Kept {
  const draft = setup.kind === 'draft' ? setup.context.getSequence() : undefined;
  const inner =
    draft === undefined
      ? new InputLookupTokenPredictor()
      : draftPredictor(draft, setup.kind === 'draft' ? setup.minConfidence : undefined);
  const gate = new GatedPredictor(inner);
  return { sequence: context.getSequence({ tokenPredictor: gate }), gate, draft };
}

function draftPredictor(
  draft: LlamaContextSequence,
  minConfidence: number | undefined,
): TokenPredictor {
  return new DraftSequenceTokenPredictor(draft, {
    ...(minConfidence === undefined ? {} : { minConfidence }),
    // Wait for one drafted token: with none (node-llama-cpp's default) the model rarely waits
    // for the draft, and on a busy CPU the draft never gets ahead (measured: nothing drafted).
    minTokens: 1,
    evaluateOptions: {
      // Greedy drafts: the likeliest guess is the one most often kept, whatever the sampling.
      temperature: 0,
      // No penalties: the job's penalty reads its generated tokens, and the draft may still be
      // running after the job ended and released them.
      repeatPenalty: { punishTokens: [], penalty: 1 },
      // The job's bias belongs to the target model; node-llama-cpp refuses it on another.
      tokenBias: new TokenBias(draft.model.tokenizer),
    },
  });
}
