/**
 * The verdict on one chat the failover harness sent: was it the exact answer, an explicit error,
 * or a broken promise (a repeated or lost token, a second id, a stream that stopped without
 * `[DONE]` or an error, a hang)? Pure: it compares what the client got with what the counting
 * sequence says it must be.
 */
import { estimateChatTokens } from '@proxima/core/limits';
import type { ChatRequest } from '@proxima/core/protocol';
import type { ChatOutcome } from './chat-client.ts';
import { auditTokens, countPrefix, expectedAnswer, type TokenAudit } from './sequence.ts';

export interface Verdict {
  /** The complete, exact answer (text, finish reason, one id, [DONE], usage). */
  readonly ok: boolean;
  /** It ended in an explicit error: an HTTP error with an error body, or an SSE error event. */
  readonly explicitError: string | null;
  /** Broken invariants, whatever the fault: never allowed. */
  readonly problems: readonly string[];
  readonly audit: TokenAudit;
}

export function judge(outcome: ChatOutcome): Verdict {
  const { spec } = outcome;
  const want = expectedAnswer(spec.messages, spec.maxTokens);
  const problems: string[] = [];
  if (outcome.transport !== null) problems.push(`transport: ${outcome.transport}`);
  if (outcome.ids.length > 1) problems.push(`${outcome.ids.length} completion ids in one answer`);

  if (outcome.status !== 200) {
    if (outcome.error === null && outcome.transport === null)
      problems.push(`HTTP ${outcome.status} without an error body`);
    return verdict(false, outcome, problems, auditTokens(want.tag, '', null));
  }

  const complete = spec.stream ? outcome.done : outcome.error === null;
  if (spec.stream && outcome.done && outcome.error) problems.push('both an error event and [DONE]');
  if (spec.stream && !outcome.done && !outcome.error && outcome.transport === null)
    problems.push('the stream ended without [DONE] or an error event (a silent truncation)');

  if (!complete) {
    // Ended early on purpose: what came must still be an exact prefix of the answer.
    if (countPrefix(want.tag, outcome.text) === null)
      problems.push(
        `the text before the error is not a prefix of the answer: ${tail(outcome.text)}`,
      );
    return verdict(false, outcome, problems, auditTokens(want.tag, outcome.text, null));
  }

  const audit = auditTokens(want.tag, outcome.text, want.tokens);
  if (outcome.text !== want.text)
    problems.push(`text differs from the answer (${describeAudit(audit)}): ${tail(outcome.text)}`);
  if (outcome.finish !== want.finishReason)
    problems.push(`finish_reason ${outcome.finish} instead of ${want.finishReason}`);
  const usageWanted = !spec.stream || spec.includeUsage;
  if (usageWanted) {
    const u = outcome.usage;
    // A stream cut just as its budget ran out ends as 'length' with no attempt's count of the
    // prompt: the edge reports its own estimate then (core/routing/stream-failover.ts).
    // The estimate reads only each message's content and max_tokens.
    const estimate = estimateChatTokens({
      messages: spec.messages as unknown as ChatRequest['messages'],
      maxTokens: spec.maxTokens,
    });
    const promptOk =
      u !== null &&
      (u.prompt === want.promptTokens ||
        (spec.stream && outcome.finish === 'length' && u.prompt === estimate));
    if (u === null) problems.push('no usage');
    else if (!promptOk || u.completion !== want.tokens)
      problems.push(
        `usage ${u.prompt}+${u.completion} instead of ${want.promptTokens}+${want.tokens}`,
      );
  }
  return verdict(problems.length === 0, outcome, problems, audit);
}

function verdict(
  ok: boolean,
  outcome: ChatOutcome,
  problems: string[],
  audit: TokenAudit,
): Verdict {
  const explicitError = ok
    ? null
    : outcome.error
      ? (outcome.error.code ?? `HTTP ${outcome.status}`)
      : null;
  return { ok, explicitError, problems, audit };
}

function describeAudit(a: TokenAudit): string {
  return `${a.duplicated} duplicated, ${a.lost} lost, ${a.reordered} out of order`;
}

function tail(text: string): string {
  return JSON.stringify(text.length > 120 ? `…${text.slice(-120)}` : text);
}
