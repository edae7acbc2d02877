// A whole answer (a burst job answers whole) as the events of a stream, so a streamed request
// that bursts gets a well-formed stream from the renderer every live stream uses: its text cut
// where the semantic cache cuts a replay (core/cache replayPieces), then its reasoning, tool
// calls and log probabilities whole, then `done` with the job's usage.
import { replayPieces } from '@proxima/core/cache';
import type { JobEvent, JobEventSource } from '../node-session/job-events.ts';
import type { WholeOutcome } from '../routes/dispatch.ts';

export function wholeAnswerEvents(outcome: WholeOutcome): JobEventSource {
  const { answer } = outcome;
  const events: JobEvent[] = [];
  if (answer.reasoning !== '') events.push({ t: 'chunk', text: '', reasoning: answer.reasoning });
  for (const piece of replayPieces(answer.text)) events.push({ t: 'chunk', text: piece });
  const beyondText = {
    ...(answer.toolCalls.length > 0
      ? { toolCalls: answer.toolCalls.map((call, index) => ({ ...call, index })) }
      : {}),
    ...(answer.logprobs !== null && answer.logprobs.length > 0
      ? { logprobs: answer.logprobs }
      : {}),
  };
  if (Object.keys(beyondText).length > 0) events.push({ t: 'chunk', text: '', ...beyondText });
  events.push({ t: 'done', finishReason: outcome.finishReason, usage: outcome.usage });
  let next = 0;
  return {
    next: () => Promise.resolve(events[next++] ?? null),
    cancel: () => {
      next = events.length;
      return Promise.resolve();
    },
  };
}
