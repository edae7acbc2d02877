/**
 * Models that reason in a `<think>` section (DeepSeek-R1 and its distills, Qwen3, QwQ): which
 * ones, and what `reasoning_effort` does to them. llama.cpp has no effort dial for these models,
 * so the honest mapping is binary: 'none' skips the reasoning by prefilling an empty, closed
 * section (the model answers straight away, as these models' own "no thinking" switch does);
 * every other value lets the model reason as it was trained to.
 */
import type { ReasoningEffort } from '@proxima/core/protocol';
import { THINK_CLOSE, THINK_OPEN } from '@proxima/core/protocol';

/** An empty, closed think section: what the templates' own no-thinking mode writes. */
export const SKIPPED_THINKING = `${THINK_OPEN}\n\n${THINK_CLOSE}\n\n`;

/** A chat template that mentions the tag belongs to a model that reasons. */
export function templateReasons(template: string | undefined): boolean {
  return template?.includes(THINK_OPEN) === true;
}

/** Text the model's turn starts with for this effort. */
export function reasoningPrefill(effort: ReasoningEffort | undefined): string {
  return effort === 'none' ? SKIPPED_THINKING : '';
}

/** The prompt leaves a think section open (templates that force reasoning end with the tag). */
export function promptOpensThinking(prompt: string): boolean {
  return /<think>\s*$/.test(prompt);
}
