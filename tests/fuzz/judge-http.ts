import type { HttpCase } from './http-cases.ts';
import type { RawAnswer } from './raw-http.ts';

/**
 * Who answered: our Worker (JSON or SSE), the local runtime (anything else), no one in time, or
 * a connection reset while the client was still sending (the server answered early, e.g. a 413
 * from Content-Length alone, and closed without reading the rest, so the answer was lost).
 */
export type Origin = 'ours' | 'runtime' | 'timeout' | 'reset';

export type Problem =
  | 'hang'
  | 'server-error'
  | 'error-shape'
  | 'long-message'
  | 'unexpected-answer'
  | 'runtime-answered-well-formed';

export interface Outcome {
  readonly case: HttpCase;
  readonly answer: RawAnswer;
  readonly origin: Origin;
  readonly problems: ReadonlyArray<{ readonly kind: Problem; readonly detail: string }>;
}

export const MAX_ERROR_MESSAGE_CHARS = 512;

export function originOf(answer: RawAnswer): Origin {
  if (answer.timedOut) return 'timeout';
  if (answer.status === 0 && answer.socketError !== null) return 'reset';
  const type = answer.headers.get('content-type') ?? '';
  if (answer.status > 0 && /^(application\/json|text\/event-stream)/i.test(type)) return 'ours';
  return 'runtime';
}

interface ErrorJson {
  message: string;
  type: string;
  param: string | null;
  code: string;
}

/** OpenAI's error JSON, or why the body is not that. */
function errorJson(body: string): ErrorJson | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `body is not JSON: ${printable(body.slice(0, 80))}`;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (typeof error !== 'object' || error === null) return 'no "error" object';
  const e = error as Record<string, unknown>;
  if (typeof e['message'] !== 'string' || e['message'] === '') return 'no message';
  if (typeof e['type'] !== 'string' || e['type'] === '') return 'no type';
  if (!(e['param'] === null || typeof e['param'] === 'string')) return 'param is not string|null';
  if (typeof e['code'] !== 'string' || e['code'] === '') return 'no code';
  return {
    message: e['message'],
    type: e['type'],
    param: e['param'],
    code: e['code'],
  };
}

/** `actual` names `expected`, a path under it, or a path above it. */
function paramMatches(actual: string | null, expected: string): boolean {
  if (actual === null) return false;
  const under = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
  return under(actual, expected) || under(expected, actual);
}

/** What our own answer must be: a 4xx with the error JSON, or a 2xx where the case allows it. */
function judgeOurs(c: HttpCase, answer: RawAnswer, add: (kind: Problem, detail: string) => void) {
  const { status } = answer;
  const e = c.expect;
  if (status >= 500) add('server-error', `${status} from our code`);
  let error: ErrorJson | null = null;
  if (status >= 400 && !c.request.head.startsWith('HEAD ')) {
    const parsed = errorJson(answer.body);
    if (typeof parsed === 'string') add('error-shape', parsed);
    else {
      error = parsed;
      if (parsed.message.length > MAX_ERROR_MESSAGE_CHARS)
        add('long-message', `message of ${parsed.message.length} characters`);
    }
  }
  if (status >= 200 && status < 300) {
    if (!e.mayPass) add('unexpected-answer', `${status} for a hostile request`);
    return;
  }
  if (status < 400 || status >= 500) {
    if (status < 500) add('unexpected-answer', `status ${status}, not a 4xx`);
    return;
  }
  if (e.status && !e.status.includes(status))
    add('unexpected-answer', `status ${status}, target ${e.status.join('|')}`);
  if (error && e.code && !e.code.includes(error.code))
    add('unexpected-answer', `code ${error.code}, target ${e.code.join('|')}`);
  if (error && e.param && status === 400 && !paramMatches(error.param, e.param))
    add('unexpected-answer', `param ${String(error.param)}, target ${e.param}`);
  if (status === 429 && !answer.headers.has('retry-after'))
    add('unexpected-answer', '429 without Retry-After');
}

/** Holds one answer against the case's target behaviour. */
export function judge(c: HttpCase, answer: RawAnswer): Outcome {
  const origin = originOf(answer);
  const problems: Array<{ kind: Problem; detail: string }> = [];
  const add = (kind: Problem, detail: string) => problems.push({ kind, detail });
  switch (origin) {
    case 'timeout':
      add('hang', `no answer in ${answer.ms} ms`);
      break;
    case 'reset':
      // Only an upload the edge refuses (413) may be cut short; anything else must be answered.
      if (!c.httpLevel && !c.expect.status?.includes(413))
        add('runtime-answered-well-formed', `connection reset: ${answer.socketError ?? ''}`);
      break;
    case 'runtime':
      if (!c.httpLevel) {
        const body = printable(answer.body.slice(0, 80));
        add('runtime-answered-well-formed', `status ${answer.status}, not our JSON: ${body}`);
      }
      break;
    case 'ours':
      judgeOurs(c, answer, add);
  }
  return { case: c, answer, origin, problems };
}

/** Control characters and surrogates as \uXXXX escapes, so a report line stays one line. */
function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The request as a short line: method, target, and the start of its body. */
export function describeRequest(c: HttpCase): string {
  const firstLine = c.request.head.split('\r\n')[0] ?? '';
  const line = firstLine.length > 100 ? `${firstLine.slice(0, 100)}…` : firstLine;
  const size = c.request.body?.length ?? 0;
  const start = c.request.body ? Buffer.from(c.request.body.subarray(0, 120)).toString('utf8') : '';
  const body = size > 120 ? `${start}… (${size} bytes)` : start;
  return `${printable(line)}${body ? ` | ${printable(body)}` : ''}`;
}

export function describeAnswer(a: RawAnswer): string {
  if (a.timedOut) return `no answer within ${a.ms} ms`;
  if (a.status === 0) return `closed without an answer (${a.socketError ?? 'no error'})`;
  const body = a.body.length > 200 ? `${a.body.slice(0, 200)}…` : a.body;
  return `${a.status} ${printable(body)}`;
}

/** One entry per category with this problem: how many cases, and the first few as examples. */
export function problemReport(outcomes: readonly Outcome[], kind: Problem, examples = 3): string {
  const byCategory = new Map<string, Outcome[]>();
  for (const o of outcomes) {
    if (!o.problems.some((p) => p.kind === kind)) continue;
    const list = byCategory.get(o.case.category) ?? [];
    list.push(o);
    byCategory.set(o.case.category, list);
  }
  const lines: string[] = [];
  for (const [category, list] of byCategory) {
    const shown = list.slice(0, examples).map((o) => {
      const detail = o.problems
        .filter((p) => p.kind === kind)
        .map((p) => p.detail)
        .join('; ');
      return (
        `\n    [${o.case.label}] ${describeRequest(o.case)}` +
        `\n      -> ${describeAnswer(o.answer)} (${detail})`
      );
    });
    lines.push(`${category}: ${list.length} case(s)${shown.join('')}`);
  }
  return lines.join('\n');
}
