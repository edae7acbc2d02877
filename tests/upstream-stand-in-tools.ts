import type { ServerResponse } from 'node:http';

/**
 * The stand-in upstream's answers beyond text (upstream-stand-in.ts routes to them):
 * `/tools/v1/...` calls the request's tools (the named one only, or one alone when parallel calls
 * are off), streaming each call's arguments in fragments as OpenAI does; `/reason/v1/...` reasons
 * before it answers and, when asked, sends log probabilities for every token of its answer;
 * `<any>/v1/completions` (the legacy endpoint) answers the same text in the legacy shape.
 */
export const STAND_IN_ARGUMENT_PIECES = ['{"city":', '"Paris",', '"unit"', ':"c"}'];
export const STAND_IN_ARGUMENTS = STAND_IN_ARGUMENT_PIECES.join('');
export const STAND_IN_REASONING = ['Weighing', ' the', ' question'];
export const STAND_IN_ANSWER = ['Sun', 'ny', ' é'];

export interface ToolsBody {
  readonly model: string;
  readonly stream: boolean;
  readonly tools?: ReadonlyArray<{ readonly function: { readonly name: string } }>;
  readonly tool_choice?: string | { readonly function: { readonly name: string } };
  readonly parallel_tool_calls?: boolean;
  readonly logprobs?: boolean | number;
  readonly top_logprobs?: number;
}

const USAGE = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };
const ID = 'chatcmpl-stand-in-tools';

/** The calls the stand-in makes for this request, with its own ids. */
export function standInCalls(body: ToolsBody) {
  const choice = body.tool_choice;
  let names = (body.tools ?? []).map((t) => t.function.name);
  if (typeof choice === 'object') names = [choice.function.name];
  if (body.parallel_tool_calls === false) names = names.slice(0, 1);
  return names.map((name, index) => ({
    index,
    id: `call_stand_in_${index}`,
    type: 'function' as const,
    function: { name, arguments: STAND_IN_ARGUMENTS },
  }));
}

/** The log probabilities of each answer token: the token first, then made-up alternatives. */
export function standInLogprobs(body: ToolsBody) {
  if (body.logprobs !== true && typeof body.logprobs !== 'number') return null;
  const alternatives = typeof body.logprobs === 'number' ? body.logprobs : (body.top_logprobs ?? 0);
  const bytes = (t: string) => [...Buffer.from(t, 'utf8')];
  return STAND_IN_ANSWER.map((token, i) => ({
    token,
    logprob: -0.25 * (i + 1),
    bytes: bytes(token),
    top_logprobs: [token, '?', '!']
      .slice(0, alternatives)
      .map((alt, k) => ({ token: alt, logprob: -0.25 * (i + 1) - k, bytes: bytes(alt) })),
  }));
}

function chunk(model: string, delta: object, finish: string | null, extra: object = {}): string {
  const body = {
    id: ID,
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish, ...extra }],
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

function end(res: ServerResponse, model: string): void {
  const usage = {
    id: ID,
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [],
    usage: USAGE,
  };
  res.end(`data: ${JSON.stringify(usage)}\n\ndata: [DONE]\n\n`);
}

function whole(res: ServerResponse, model: string, message: object, extra: object): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: ID,
      object: 'chat.completion',
      created: 1,
      model,
      choices: [{ index: 0, message: { role: 'assistant', ...message }, ...extra }],
      usage: USAGE,
    }),
  );
}

export function answerWithToolCalls(res: ServerResponse, body: ToolsBody): void {
  const calls = standInCalls(body);
  const finish = calls.length > 0 ? 'tool_calls' : 'stop';
  if (!body.stream) {
    const message =
      calls.length > 0
        ? { content: null, tool_calls: calls.map(({ index: _, ...c }) => c) }
        : { content: 'no tools to call' };
    whole(res, body.model, message, { logprobs: null, finish_reason: finish });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(chunk(body.model, { role: 'assistant', content: null }, null));
  for (const call of calls) {
    const { index, id, type, function: fn } = call;
    res.write(
      chunk(
        body.model,
        { tool_calls: [{ index, id, type, function: { name: fn.name, arguments: '' } }] },
        null,
      ),
    );
    for (const piece of STAND_IN_ARGUMENT_PIECES)
      res.write(
        chunk(body.model, { tool_calls: [{ index, function: { arguments: piece } }] }, null),
      );
  }
  if (calls.length === 0) res.write(chunk(body.model, { content: 'no tools to call' }, null));
  res.write(chunk(body.model, {}, finish));
  end(res, body.model);
}

export function answerWithReasoning(res: ServerResponse, body: ToolsBody): void {
  const logprobs = standInLogprobs(body);
  if (!body.stream) {
    const message = {
      content: STAND_IN_ANSWER.join(''),
      reasoning_content: STAND_IN_REASONING.join(''),
    };
    whole(res, body.model, message, {
      logprobs: logprobs === null ? null : { content: logprobs, refusal: null },
      finish_reason: 'stop',
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(chunk(body.model, { role: 'assistant', content: '' }, null));
  for (const piece of STAND_IN_REASONING)
    res.write(chunk(body.model, { reasoning_content: piece }, null));
  STAND_IN_ANSWER.forEach((piece, i) => {
    const entry = logprobs?.[i];
    const extra = entry === undefined ? {} : { logprobs: { content: [entry], refusal: null } };
    res.write(chunk(body.model, { content: piece }, null, extra));
  });
  res.write(chunk(body.model, {}, 'stop'));
  end(res, body.model);
}

/** The legacy form of the same log probabilities: parallel lists, alternatives as maps. */
function legacyLogprobs(entries: NonNullable<ReturnType<typeof standInLogprobs>>) {
  return {
    tokens: entries.map((e) => e.token),
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) =>
      Object.fromEntries(e.top_logprobs.map((t) => [t.token, t.logprob])),
    ),
    text_offset: entries.map((_, i) => STAND_IN_ANSWER.slice(0, i).join('').length),
  };
}

export function answerLegacyCompletion(res: ServerResponse, body: ToolsBody): void {
  const entries = standInLogprobs(body);
  const logprobsOf = (from: number, to: number) =>
    entries === null ? null : legacyLogprobs(entries.slice(from, to));
  const choice = (text: string, from: number, to: number, finish: string | null) => ({
    index: 0,
    text,
    logprobs: logprobsOf(from, to),
    finish_reason: finish,
  });
  const answer = { id: 'cmpl-stand-in', object: 'text_completion', created: 1, model: body.model };
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const text = STAND_IN_ANSWER.join('');
    res.end(
      JSON.stringify({
        ...answer,
        choices: [choice(text, 0, STAND_IN_ANSWER.length, 'stop')],
        usage: USAGE,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  STAND_IN_ANSWER.forEach((piece, i) =>
    res.write(
      `data: ${JSON.stringify({ ...answer, choices: [choice(piece, i, i + 1, null)] })}\n\n`,
    ),
  );
  res.write(`data: ${JSON.stringify({ ...answer, choices: [choice('', 0, 0, 'length')] })}\n\n`);
  res.end(`data: ${JSON.stringify({ ...answer, choices: [], usage: USAGE })}\n\ndata: [DONE]\n\n`);
}
