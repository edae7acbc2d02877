/**
 * Hostile HTTP requests for the edge, generated deterministically with fast-check. Each case says
 * what the target behaviour is: a 4xx with OpenAI's error JSON (sometimes a precise status, code
 * or param), or, for an odd but valid request, anything but a 5xx.
 */
import fc from 'fast-check';
import type { RawRequest } from './raw-http.ts';

export interface Expectation {
  /** The statuses the target allows; undefined: any 4xx. */
  readonly status?: readonly number[];
  /** An odd but valid request: a 2xx is fine too (never a 5xx). */
  readonly mayPass?: boolean;
  /**
   * When the answer is a 400, its `param` must name this path, a path under it, or one above it
   * (a union refused as a whole names the field, not the element).
   */
  readonly param?: string;
  /** The error's `code` must be one of these. */
  readonly code?: readonly string[];
}

export interface HttpCase {
  readonly category: string;
  /** A short description for the report. */
  readonly label: string;
  /** Malformed at the HTTP layer: the local runtime may answer it before the Worker runs. */
  readonly httpLevel: boolean;
  readonly request: RawRequest;
  readonly expect: Expectation;
}

export interface CaseContext {
  readonly apiKey: string;
  readonly model: string;
  readonly bodyLimit: number;
  /** Sent as CF-Connecting-IP on requests with the valid key; undefined: none (the runtime's own). */
  readonly clientAddress?: string;
}

const CHAT = '/v1/chat/completions';
const enc = new TextEncoder();
const BAD_KEY = { status: [401, 429], code: ['invalid_api_key', 'rate_limit_exceeded'] } as const;
/**
 * Failed credentials come from their own client address (Cloudflare sets CF-Connecting-IP; the
 * local runtime passes ours through), as an attacker would: the per-address failure limit then
 * throttles them, not every other case, which all share the local runtime's one address.
 */
const ATTACKER: readonly [string, string] = ['CF-Connecting-IP', '198.51.100.7'];

function sample<T>(arb: fc.Arbitrary<T>, seed: number, numRuns: number): T[] {
  return fc.sample(arb, { seed, numRuns });
}

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? enc.encode(body) : body;
}

/** The head of a request: the caller's headers verbatim, then `Connection: close`. */
export function head(
  method: string,
  target: string,
  headers: ReadonlyArray<readonly [string, string]>,
): string {
  const lines = headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines}Connection: close\r\n\r\n`;
}

interface PostOptions {
  readonly method?: string;
  readonly path?: string;
  /** Authorization header values, one header each; undefined: the valid key. */
  readonly auth?: readonly string[];
  /** null: no Content-Type header. */
  readonly contentType?: string | null;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** Content-Length to declare instead of the body's; null: none. */
  readonly contentLength?: string | null;
  readonly endAfterMs?: number;
}

function post(ctx: CaseContext, body: string | Uint8Array, o: PostOptions = {}): RawRequest {
  const bytes = bytesOf(body);
  const headers: Array<readonly [string, string]> = [];
  for (const value of o.auth ?? [`Bearer ${ctx.apiKey}`]) headers.push(['Authorization', value]);
  if (ctx.clientAddress !== undefined && o.auth === undefined)
    headers.push(['CF-Connecting-IP', ctx.clientAddress]);
  const contentType = o.contentType === undefined ? 'application/json' : o.contentType;
  if (contentType !== null) headers.push(['Content-Type', contentType]);
  const length = o.contentLength === undefined ? String(bytes.length) : o.contentLength;
  if (length !== null) headers.push(['Content-Length', length]);
  headers.push(...(o.headers ?? []));
  return {
    head: head(o.method ?? 'POST', o.path ?? CHAT, headers),
    body: bytes,
    ...(o.endAfterMs === undefined ? {} : { endAfterMs: o.endAfterMs }),
  };
}

/** A chat body that is valid, asks for one token, and that the node answers fast. */
function validChat(ctx: CaseContext): Record<string, unknown> {
  return { model: ctx.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 };
}

/** JSON text of `value` with the string "__RAW__" replaced by raw JSON text (1e400, -0 ...). */
function withRaw(value: unknown, raw: string): string {
  return JSON.stringify(value).replace('"__RAW__"', raw);
}

function setPath(root: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return value;
  if (typeof key === 'number') {
    const arr = Array.isArray(root) ? [...(root as unknown[])] : [];
    arr[key] = setPath(arr[key], rest, value);
    return arr;
  }
  const obj =
    typeof root === 'object' && root !== null && !Array.isArray(root)
      ? { ...(root as Record<string, unknown>) }
      : {};
  obj[key] = setPath(obj[key], rest, value);
  return obj;
}

function short(text: string, max = 80): string {
  const flat = JSON.stringify(text);
  return flat.length <= max ? flat : `${flat.slice(0, max)}… (${text.length} chars)`;
}

// ---------------------------------------------------------------------------------------------

function malformedJson(ctx: CaseContext): HttpCase[] {
  const valid = JSON.stringify(validChat(ctx));
  const cases: HttpCase[] = [];
  const add = (label: string, body: string | Uint8Array, expect: Expectation = {}) =>
    cases.push({
      category: 'malformed-json',
      label,
      httpLevel: false,
      request: post(ctx, body),
      expect,
    });
  const notJson = { status: [400], code: ['invalid_json'] } as const;
  const parses = (s: string) => {
    try {
      JSON.parse(s);
      return true;
    } catch {
      return false;
    }
  };
  for (const s of sample(fc.string({ unit: 'binary', maxLength: 120 }), 101, 150)) {
    add(`random text ${short(s)}`, s, parses(s) ? { status: [400] } : notJson);
  }
  for (const cut of sample(fc.integer({ min: 0, max: valid.length - 1 }), 102, 60)) {
    add(`valid body cut at ${cut}`, valid.slice(0, cut), notJson);
  }
  for (const tail of sample(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }),
    103,
    40,
  )) {
    const body = valid + tail;
    if (!parses(body)) add(`valid body + ${short(tail)}`, body, notJson);
  }
  for (const bytes of sample(fc.uint8Array({ minLength: 1, maxLength: 64 }), 104, 40)) {
    add(`random bytes (${bytes.length})`, bytes, { status: [400] });
  }
  const fixed: Array<[string, string | Uint8Array]> = [
    ['empty body', ''],
    ['whitespace only', ' \n\t '],
    ['single quotes', valid.replaceAll('"', "'")],
    ['comment', `/* x */${valid}`],
    ['trailing comma', valid.replace(/}$/, ',}')],
    ['NaN', valid.replace('"max_tokens":1', '"max_tokens":NaN')],
    ['Infinity', valid.replace('"max_tokens":1', '"max_tokens":Infinity')],
    ['unquoted key', valid.replace('"model"', 'model')],
    ['raw control char in a string', valid.replace('hi', 'h\u0001i')],
    ['raw NUL byte in a string', valid.replace('hi', 'h\u0000i')],
    [
      'invalid UTF-8 in a string',
      Buffer.concat([
        Buffer.from(valid.slice(0, 50)),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(valid.slice(50)),
      ]),
    ],
    [
      'overlong UTF-8',
      Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    ],
    [
      'CESU-8 surrogate bytes',
      Buffer.concat([
        Buffer.from('{"model":"'),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from('"}'),
      ]),
    ],
    ['UTF-16LE body', Buffer.from(valid, 'utf16le')],
    ['BOM then garbage', `\ufeff{`],
    ['two JSON documents', `${valid}${valid}`],
    ['a JSON string', JSON.stringify(valid)],
    ['null', 'null'],
    ['a number', '1'],
    ['an array', `[${valid}]`],
  ];
  for (const [label, body] of fixed) add(label, body, { status: [400] });
  // Odd but valid JSON: duplicate keys (the last wins), a BOM before a valid body.
  add('duplicate keys, last valid', valid.replace('{', '{"model":"x","max_tokens":"no",'), {
    mayPass: true,
  });
  add('BOM before a valid body', `\ufeff${valid}`, { mayPass: true });
  return cases;
}

type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';

/** Every field of the chat request, what it must be, and whether null is allowed. */
const FIELDS: ReadonlyArray<{
  path: ReadonlyArray<string | number>;
  type: FieldType;
  nullable: boolean;
  /** Extra wrong values of the right type (out of range, not in the enum). */
  bad?: readonly unknown[];
  /** Raw JSON number texts that are wrong here. */
  badRaw?: readonly string[];
}> = [
  { path: ['model'], type: 'string', nullable: false, bad: ['', ' ', 'a b', 'x/../../y?'] },
  { path: ['messages'], type: 'array', nullable: false, bad: [[]] },
  { path: ['messages', 0], type: 'object', nullable: false, bad: [{}, { role: 'user' }] },
  {
    path: ['messages', 0, 'role'],
    type: 'string',
    nullable: false,
    bad: ['', 'USER', 'root', 'function'],
  },
  { path: ['messages', 0, 'content'], type: 'string', nullable: true, bad: [[{ type: 'x' }], [1]] },
  { path: ['messages', 0, 'name'], type: 'string', nullable: false },
  { path: ['stream'], type: 'boolean', nullable: true },
  { path: ['stream_options'], type: 'object', nullable: true },
  { path: ['stream_options', 'include_usage'], type: 'boolean', nullable: false },
  {
    path: ['max_tokens'],
    type: 'integer',
    nullable: true,
    bad: [0, -1, 1.5, 2 ** 31, 1e15],
    badRaw: ['1e400', '-1e400', '1.0000001'],
  },
  { path: ['max_completion_tokens'], type: 'integer', nullable: true, bad: [0, -5, 0.5, 1e9] },
  {
    path: ['temperature'],
    type: 'number',
    nullable: true,
    bad: [-0.001, 2.001, 100],
    badRaw: ['1e400', '-1e400'],
  },
  { path: ['top_p'], type: 'number', nullable: true, bad: [0, -1, 1.01], badRaw: ['-0', '1e400'] },
  { path: ['n'], type: 'integer', nullable: true, bad: [0, 2, 1.5, -3] },
  {
    path: ['stop'],
    type: 'string',
    nullable: true,
    bad: ['', [''], ['a', 'b', 'c', 'd', 'e'], [1]],
  },
  { path: ['seed'], type: 'integer', nullable: true, bad: [0.5], badRaw: ['1e400'] },
  { path: ['user'], type: 'string', nullable: true },
  { path: ['logprobs'], type: 'boolean', nullable: true },
  {
    path: ['tools'],
    type: 'array',
    nullable: true,
    bad: [[{ type: 'function' }], [{ type: 'custom', custom: { name: 'c' } }]],
  },
  { path: ['functions'], type: 'array', nullable: true, bad: [[{ name: 'not a name!' }]] },
  {
    path: ['tool_choice'],
    type: 'string',
    nullable: true,
    // Asking for a call with no tools to call.
    bad: ['required', { type: 'function', function: { name: 'absent' } }],
  },
  {
    path: ['response_format'],
    type: 'object',
    nullable: true,
    bad: [
      {},
      { type: 'json_schema' },
      { type: 'json_schema', json_schema: { name: 's', schema: { type: 'integer', minimum: 1 } } },
    ],
  },
  { path: ['response_format', 'type'], type: 'string', nullable: false, bad: ['xml'] },
  { path: ['proxima'], type: 'object', nullable: true },
];

function typeOf(value: unknown): FieldType | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as FieldType;
}

function wrongType(value: unknown, field: FieldType, nullable: boolean): boolean {
  const t = typeOf(value);
  if (t === 'null') return !nullable;
  if (field === 'number') return t !== 'number' && t !== 'integer';
  // A string field with a non-string value; `stop` also takes arrays, `content` arrays of parts.
  return t !== field;
}

function pathText(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${key}` : key;
  return out;
}

function wrongTypes(ctx: CaseContext): HttpCase[] {
  const cases: HttpCase[] = [];
  const base = { ...validChat(ctx), stream_options: { include_usage: false } };
  const baseWith = (path: ReadonlyArray<string | number>) =>
    path[0] === 'response_format' ? { ...base, response_format: { type: 'text' } } : base;
  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(0, -1, 1.5, true, false, '', 'x', [], {}, [null], { a: 1 }),
  );
  const picks = sample(
    fc.tuple(fc.integer({ min: 0, max: FIELDS.length - 1 }), anyValue),
    201,
    1600,
  );
  const perField = new Map<number, number>();
  for (const [index, value] of picks) {
    const field = FIELDS[index];
    if (!field || !wrongType(value, field.type, field.nullable)) continue;
    if (
      field.path.join('.') === 'stop' &&
      Array.isArray(value) &&
      value.every((v) => typeof v === 'string' && v.length > 0) &&
      value.length <= 4
    )
      continue;
    if (field.path.join('.') === 'messages.0.content' && Array.isArray(value) && value.length === 0)
      continue;
    if (field.path.join('.') === 'tool_choice' && value === 'none') continue;
    const seen = perField.get(index) ?? 0;
    if (seen >= 25) continue;
    perField.set(index, seen + 1);
    const body = setPath(baseWith(field.path), field.path, value);
    cases.push({
      category: 'wrong-types',
      label: `${pathText(field.path)} = ${short(JSON.stringify(value) ?? 'undefined', 60)}`,
      httpLevel: false,
      request: post(ctx, JSON.stringify(body)),
      expect: { status: [400], param: pathText(field.path) },
    });
  }
  for (const field of FIELDS) {
    for (const value of field.bad ?? []) {
      const body = setPath(baseWith(field.path), field.path, value);
      cases.push({
        category: 'wrong-values',
        label: `${pathText(field.path)} = ${short(JSON.stringify(value), 60)}`,
        httpLevel: false,
        request: post(ctx, JSON.stringify(body)),
        expect: { status: [400], param: pathText(field.path) },
      });
    }
    for (const raw of field.badRaw ?? []) {
      const body = withRaw(setPath(baseWith(field.path), field.path, '__RAW__'), raw);
      cases.push({
        category: 'wrong-values',
        label: `${pathText(field.path)} = ${raw}`,
        httpLevel: false,
        request: post(ctx, body),
        expect: { status: [400], param: pathText(field.path) },
      });
    }
  }
  // Missing where required.
  for (const path of [['model'], ['messages'], ['messages', 0, 'role']] as const) {
    const body = validChat(ctx);
    if (path.length === 1) delete body[path[0]];
    else (body['messages'] as Array<Record<string, unknown>>)[0] = { content: 'hi' };
    cases.push({
      category: 'wrong-values',
      label: `${pathText(path)} missing`,
      httpLevel: false,
      request: post(ctx, JSON.stringify(body)),
      expect: { status: [400], param: pathText(path) },
    });
  }
  // Non-text content parts, tool messages, disagreeing token limits: unsupported, 400.
  const unsupported: Array<[string, unknown, string]> = [
    [
      'image part',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
      'messages[0].content[0]',
    ],
    // A tool answer must say which call it answers, and answer one an assistant made.
    ['tool message', { messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    [
      'tool answer to no call',
      { messages: [{ role: 'tool', content: 'x', tool_call_id: 'call_1' }] },
      'messages[0].tool_call_id',
    ],
    ['max_tokens disagree', { max_tokens: 2, max_completion_tokens: 3 }, 'max_tokens'],
    [
      'content null for user',
      { messages: [{ role: 'user', content: null }] },
      'messages[0].content',
    ],
  ];
  for (const [label, patch, param] of unsupported) {
    cases.push({
      category: 'wrong-values',
      label,
      httpLevel: false,
      request: post(ctx, JSON.stringify({ ...validChat(ctx), ...(patch as object) })),
      expect: { status: [400], param },
    });
  }
  return cases;
}

function deepNesting(ctx: CaseContext): HttpCase[] {
  const cases: HttpCase[] = [];
  const valid = validChat(ctx);
  const arrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const objects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  const add = (label: string, body: string) =>
    cases.push({
      category: 'deep-nesting',
      label,
      httpLevel: false,
      request: post(ctx, body),
      expect: { status: [400, 413] },
    });
  for (const depth of [33, 64, 1000, 10_000, 100_000]) {
    add(`${depth} x '[' unterminated`, '['.repeat(depth));
    add(`${depth} nested arrays`, arrays(depth));
    add(`${depth} nested objects`, objects(depth));
    for (const field of [
      'proxima',
      'tool_choice',
      'response_format',
      'messages',
      'stop',
      'model',
    ]) {
      const nested =
        field === 'proxima' || field === 'response_format' ? objects(depth) : arrays(depth);
      add(`${depth} levels in '${field}'`, withRaw({ ...valid, [field]: '__RAW__' }, nested));
    }
    add(
      `${depth} levels in messages[0].content`,
      withRaw({ ...valid, messages: [{ role: 'user', content: '__RAW__' }] }, arrays(depth)),
    );
  }
  return cases;
}

function hugeStrings(ctx: CaseContext): HttpCase[] {
  const cases: HttpCase[] = [];
  const valid = validChat(ctx);
  // Fields with a length limit, the param a refusal must name, and the first length over it.
  const limited: Array<[ReadonlyArray<string | number>, string, number]> = [
    [['model'], 'model', 129],
    [['user'], 'user', 257],
    [['stop'], 'stop', 257],
    [['stop', 0], 'stop', 257],
    [['messages', 0, 'role'], 'messages[0].role', 1],
    [['messages', 0, 'name'], 'messages[0].name', 65],
    [['response_format', 'type'], 'response_format', 1],
    [['tool_choice'], 'tool_choice', 1],
  ];
  const picks = sample(
    fc.tuple(
      fc.integer({ min: 0, max: limited.length - 1 }),
      fc.constantFrom(0, 1, 2, 100, 1000, 4096, 65_536, 300_000, 1_100_000),
      fc.constantFrom('a', 'é', '😀', '\n', '"'),
    ),
    301,
    180,
  );
  for (const [index, extra, ch] of picks) {
    const entry = limited[index];
    if (!entry) continue;
    const [path, param, minLength] = entry;
    // Lengths are in characters (code points), as the validator counts them.
    const length = minLength + extra;
    const body = JSON.stringify(setPath(valid, path, ch.repeat(length)));
    const over = enc.encode(body).length > ctx.bodyLimit;
    cases.push({
      category: 'huge-strings',
      label: `${pathText(path)} = ${short(ch)} x ${length}`,
      httpLevel: false,
      request: post(ctx, body),
      expect: over ? { status: [413], code: ['payload_too_large'] } : { status: [400], param },
    });
  }
  // Long values in places with no limit of their own: valid, so anything but a 5xx.
  for (const [label, patch] of [
    ['unknown field with a 500 kB value', { extra: 'x'.repeat(500_000) }],
    ['a 100 kB key', { ['k'.repeat(100_000)]: 1 }],
    [
      '10,000 unknown fields',
      Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`f${i}`, i])),
    ],
    ['proxima with a 200 kB value', { proxima: { note: 'y'.repeat(200_000) } }],
  ] as const) {
    cases.push({
      category: 'huge-strings',
      label,
      httpLevel: false,
      request: post(ctx, JSON.stringify({ ...valid, ...patch })),
      expect: { mayPass: true },
    });
  }
  // 1025 messages: over the message count limit.
  cases.push({
    category: 'huge-strings',
    label: '1025 messages',
    httpLevel: false,
    request: post(
      ctx,
      JSON.stringify({
        ...valid,
        messages: Array.from({ length: 1025 }, () => ({ role: 'user', content: 'x' })),
      }),
    ),
    expect: { status: [400], param: 'messages' },
  });
  return cases;
}

/**
 * Valid requests whose prompt the node cannot take: far longer than the demo model's context (2048
 * tokens), up to the body limit. Target: a 4xx (413 when the job frame would not fit, 400 when the
 * prompt cannot fit the context), never a 5xx, and never the node's connection lost. Sent one at a
 * time, apart from the other cases, so that what they do to the node is seen on its own.
 */
export function oversizedPrompts(ctx: CaseContext): HttpCase[] {
  const cases: HttpCase[] = [];
  const valid = validChat(ctx);
  const envelope = enc.encode(
    JSON.stringify({ ...valid, messages: [{ role: 'user', content: '' }] }),
  ).length;
  for (const [label, content] of [
    ['64 kB prompt', 'hello '.repeat(11_000)],
    [
      'prompt of escaped NULs to the limit',
      '\u0000'.repeat(Math.floor((ctx.bodyLimit - envelope) / 6)),
    ],
    ['prompt filling the body to the limit', 'x'.repeat(ctx.bodyLimit - envelope)],
  ] as const) {
    const body = JSON.stringify({ ...valid, messages: [{ role: 'user', content }] });
    cases.push({
      category: 'prompt-too-long',
      label: `${label} (${enc.encode(body).length} bytes)`,
      httpLevel: false,
      request: post(ctx, body),
      expect: enc.encode(body).length > ctx.bodyLimit ? { status: [413] } : {},
    });
  }
  return cases;
}

function unicode(ctx: CaseContext): HttpCase[] {
  const cases: HttpCase[] = [];
  const valid = validChat(ctx);
  const nasty = [
    '\ud800',
    '\udfff',
    'a\udc00\ud800b',
    'end\ud83d',
    '\u0000',
    'a\u0000b',
    '\u001b[31m',
    '\u202e',
    '\uffff',
    '\ufeff',
  ];
  const fields: Array<[ReadonlyArray<string | number>, string | null]> = [
    // Where a refusal is the target (and the param it names); null: free text, anything but a 5xx.
    [['model'], 'model'],
    [['messages', 0, 'role'], 'messages[0].role'],
    [['messages', 0, 'content'], null],
    [['messages', 0, 'name'], null],
    [['user'], null],
    [['stop'], null],
    [['messages', 0, 'content', 0, 'text'], null],
  ];
  for (const [path, param] of fields) {
    for (const s of nasty) {
      const base =
        path[3] === 0
          ? { ...valid, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }
          : valid;
      cases.push({
        category: 'unicode',
        label: `${pathText(path)} = ${short(s)}`,
        httpLevel: false,
        request: post(ctx, JSON.stringify(setPath(base, path, s))),
        expect: param === null ? { mayPass: true } : { status: [400], param },
      });
    }
  }
  for (const s of sample(
    fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 30,
    }),
    501,
    100,
  )) {
    cases.push({
      category: 'unicode',
      label: `model = ${short(s)}`,
      httpLevel: false,
      request: post(ctx, JSON.stringify({ ...valid, model: s })),
      // A random model id either fails the pattern (400) or is unknown (404).
      expect: { status: [400, 404] },
    });
  }
  // The same in a key: unknown keys are ignored.
  cases.push({
    category: 'unicode',
    label: 'lone surrogate and NUL in unknown keys',
    httpLevel: false,
    request: post(ctx, JSON.stringify({ ...valid, '\ud800': 1, '\u0000': 2 })),
    expect: { mayPass: true },
  });
  return cases;
}

function contentTypes(ctx: CaseContext): HttpCase[] {
  const cases: HttpCase[] = [];
  const valid = JSON.stringify(validChat(ctx));
  const types: Array<string | null> = [
    null,
    '',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/json, text/html',
    'APPLICATION/JSON',
    'application/octet-stream',
    'image/png',
    `application/${'x'.repeat(5000)}`,
    'application/json;;;;',
  ];
  for (const type of types) {
    const label = type === null ? 'no content-type' : `content-type ${short(type, 50)}`;
    // A valid JSON body: either served or refused with 415, never a 5xx.
    cases.push({
      category: 'content-type',
      label: `${label}, valid JSON body`,
      httpLevel: false,
      request: post(ctx, valid, { contentType: type }),
      expect: { mayPass: true },
    });
    cases.push({
      category: 'content-type',
      label: `${label}, form body`,
      httpLevel: false,
      request: post(ctx, `model=${ctx.model}&messages=hi`, { contentType: type }),
      expect: { status: [400, 415] },
    });
    cases.push({
      category: 'content-type',
      label: `${label}, multipart body`,
      httpLevel: false,
      request: post(
        ctx,
        `--x\r\nContent-Disposition: form-data; name="model"\r\n\r\n${ctx.model}\r\n--x--\r\n`,
        { contentType: type },
      ),
      expect: { status: [400, 415] },
    });
  }
  cases.push({
    category: 'content-type',
    label: 'Content-Encoding: gzip with a body that is not gzip',
    httpLevel: false,
    request: post(ctx, Uint8Array.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3]), {
      headers: [['Content-Encoding', 'gzip']],
    }),
    expect: { status: [400, 415] },
  });
  return cases;
}

function auth(ctx: CaseContext): HttpCase[] {
  const cases: HttpCase[] = [];
  const key = ctx.apiKey;
  // With a valid key this body is a 400 naming temperature, so any pass through auth shows.
  const body = JSON.stringify({ ...validChat(ctx), temperature: 7 });
  const passes = { status: [400], param: 'temperature' } as const;
  const add = (
    label: string,
    values: readonly string[],
    expect: Expectation,
    headers: ReadonlyArray<readonly [string, string]> = [],
    httpLevel = false,
  ) =>
    cases.push({
      category: 'auth',
      label,
      httpLevel,
      request: post(ctx, body, {
        auth: values,
        headers: expect === BAD_KEY ? [ATTACKER, ...headers] : headers,
      }),
      expect,
    });
  add('no Authorization', [], BAD_KEY);
  add('empty Authorization', [''], BAD_KEY);
  add('Bearer without a key', ['Bearer'], BAD_KEY);
  add('Bearer and spaces', ['Bearer    '], BAD_KEY);
  add('Basic', [`Basic ${Buffer.from(`${key}:`).toString('base64')}`], BAD_KEY);
  add('Token scheme', [`Token ${key}`], BAD_KEY);
  add('key without a scheme', [key], BAD_KEY);
  add('two valid Authorization headers', [`Bearer ${key}`, `Bearer ${key}`], BAD_KEY);
  add(
    'valid then wrong Authorization',
    [`Bearer ${key}`, 'Bearer pxk_wrongwrongwrongwrong'],
    BAD_KEY,
  );
  add(
    'wrong then valid Authorization',
    ['Bearer pxk_wrongwrongwrongwrong', `Bearer ${key}`],
    BAD_KEY,
  );
  add('two keys in one header', [`Bearer ${key}, Bearer ${key}`], BAD_KEY);
  add('key + x', [`Bearer ${key}x`], BAD_KEY);
  add('key minus its last character', [`Bearer ${key.slice(0, -1)}`], BAD_KEY);
  add('key with a space inside', [`Bearer ${key.slice(0, 8)} ${key.slice(8)}`], BAD_KEY);
  add('key of 15 characters', [`Bearer ${'k'.repeat(15)}`], BAD_KEY);
  add('key of 257 characters', [`Bearer ${'k'.repeat(257)}`], BAD_KEY);
  add('key of 10,000 characters', [`Bearer ${'k'.repeat(10_000)}`], BAD_KEY);
  add('key of 60,000 characters', [`Bearer ${'k'.repeat(60_000)}`], BAD_KEY, [], true);
  add('key with latin-1 bytes', [`Bearer pxk_${'\u00e9'.repeat(20)}`], BAD_KEY, [], true);
  add('key with DEL', [`Bearer pxk_${'\u007f'.repeat(20)}`], BAD_KEY, [], true);
  add('key with a tab inside', [`Bearer pxk_aaaaaaaa\taaaaaaaaaaaa`], BAD_KEY, [], true);
  add('Bearer twice', [`Bearer Bearer ${key}`], BAD_KEY);
  add('an admin-style token as an API key', ['Bearer pxa_not-the-admin-token-0000000000'], BAD_KEY);
  // Valid keys written oddly: the scheme is case-insensitive and spaces around are allowed.
  const oddButValid = { status: [400, 401] } as const;
  add('lower-case bearer', [`bearer ${key}`], oddButValid);
  add('upper-case BEARER', [`BEARER ${key}`], oddButValid);
  add('two spaces', [`Bearer  ${key}`], oddButValid);
  add('trailing space', [`Bearer ${key} `], oddButValid);
  add('tab after Bearer', [`Bearer\t${key}`], oddButValid);
  for (const name of ['authorization', 'AUTHORIZATION', 'AuThOrIzAtIoN']) {
    cases.push({
      category: 'auth',
      label: `header name ${name}`,
      httpLevel: false,
      request: post(ctx, body, { auth: [], headers: [[name, `Bearer ${key}`]] }),
      expect: passes,
    });
  }
  // Random keys: well-formed or not, all wrong.
  for (const k of sample(fc.string({ unit: 'grapheme-ascii', maxLength: 300 }), 601, 200)) {
    const value = `Bearer ${k}`;
    add(`random key ${short(k, 40)}`, [value], BAD_KEY);
  }
  // The admin API with API keys and nonsense.
  for (const [method, path] of [
    ['POST', '/admin/api-keys'],
    ['POST', '/admin/node-tokens'],
    ['GET', '/admin/nodes'],
  ] as const) {
    cases.push({
      category: 'auth',
      label: `${method} ${path} with an API key`,
      httpLevel: false,
      request: post(ctx, '{}', { method, path, headers: [ATTACKER] }),
      expect: { status: [401, 403, 404, 429] },
    });
    cases.push({
      category: 'auth',
      label: `${method} ${path} without a token`,
      httpLevel: false,
      request: post(ctx, '{}', { method, path, auth: [], headers: [ATTACKER] }),
      expect: { status: [401, 403, 404, 429] },
    });
  }
  return cases;
}

function bodyLimit(ctx: CaseContext): HttpCase[] {
  const cases: HttpCase[] = [];
  const limit = ctx.bodyLimit;
  const valid = JSON.stringify(validChat(ctx));
  const invalid = JSON.stringify({ ...validChat(ctx), messages: [] });
  const pad = (json: string, size: number) => json + ' '.repeat(Math.max(0, size - json.length));
  const tooLarge = { status: [413], code: ['payload_too_large'] } as const;
  const add = (label: string, request: RawRequest, expect: Expectation, httpLevel = false) =>
    cases.push({ category: 'body-limit', label, httpLevel, request, expect });
  add('valid body padded to exactly the limit', post(ctx, pad(valid, limit)), { mayPass: true });
  add('invalid body padded to exactly the limit', post(ctx, pad(invalid, limit)), {
    status: [400],
    param: 'messages',
  });
  add('invalid body padded to the limit - 1', post(ctx, pad(invalid, limit - 1)), {
    status: [400],
    param: 'messages',
  });
  add('valid body padded to the limit + 1', post(ctx, pad(valid, limit + 1)), tooLarge);
  add('invalid body padded to the limit + 1', post(ctx, pad(invalid, limit + 1)), tooLarge);
  add('2 x the limit', post(ctx, pad(valid, 2 * limit)), tooLarge);
  add('8 x the limit', post(ctx, pad(valid, 8 * limit)), tooLarge);
  add(
    'limit + 1, chunked (no Content-Length)',
    chunked(ctx, [pad(valid, limit + 1)]),
    tooLarge,
    true,
  );
  add(
    '3 x the limit in 1 kB chunks',
    chunked(
      ctx,
      Array.from({ length: 3 * 1024 }, () => ' '.repeat(1024)),
    ),
    tooLarge,
    true,
  );
  add(
    'exactly the limit, chunked',
    chunked(ctx, [pad(invalid, limit)]),
    { status: [400], param: 'messages' },
    true,
  );
  add(
    'Content-Length 10^12, tiny body',
    post(ctx, valid, { contentLength: '1000000000000', endAfterMs: 200 }),
    tooLarge,
    true,
  );
  add(
    'Content-Length 2^64',
    post(ctx, valid, { contentLength: '18446744073709551616', endAfterMs: 200 }),
    { status: [400, 413] },
    true,
  );
  add(
    'Content-Length limit + 1, body shorter',
    post(ctx, valid, { contentLength: String(limit + 1), endAfterMs: 200 }),
    tooLarge,
    true,
  );
  for (const cl of ['-1', 'abc', '1e3', '0x10', '+5', ' 5 ', '5, 5', '']) {
    add(
      `Content-Length ${JSON.stringify(cl)}`,
      post(ctx, '{"a":1}', { contentLength: cl, endAfterMs: 200 }),
      {},
      true,
    );
  }
  add(
    'two different Content-Lengths',
    post(ctx, valid, { headers: [['Content-Length', '3']], endAfterMs: 200 }),
    {},
    true,
  );
  add(
    'Content-Length shorter than the body',
    post(ctx, valid, { contentLength: String(valid.length - 10) }),
    { status: [400] },
    true,
  );
  add(
    'Content-Length 0 with a body',
    post(ctx, valid, { contentLength: '0' }),
    { status: [400] },
    true,
  );
  return cases;
}

/** A chunked request from the given chunk payloads, properly terminated unless `tail` says otherwise. */
function chunked(
  ctx: CaseContext,
  chunks: readonly string[],
  o: {
    tail?: string;
    sizes?: readonly string[];
    endAfterMs?: number;
    headers?: ReadonlyArray<readonly [string, string]>;
  } = {},
): RawRequest {
  const parts = chunks.map((c, i) => {
    const size = o.sizes?.[i] ?? enc.encode(c).length.toString(16);
    return `${size}\r\n${c}\r\n`;
  });
  const body = `${parts.join('')}${o.tail ?? '0\r\n\r\n'}`;
  return {
    head: head('POST', CHAT, [
      ['Authorization', `Bearer ${ctx.apiKey}`],
      ['Content-Type', 'application/json'],
      ...(o.headers ?? [['Transfer-Encoding', 'chunked']]),
    ]),
    body: enc.encode(body),
    ...(o.endAfterMs === undefined ? {} : { endAfterMs: o.endAfterMs }),
  };
}

function truncatedBodies(ctx: CaseContext): HttpCase[] {
  const cases: HttpCase[] = [];
  const bodies = [
    JSON.stringify(validChat(ctx)),
    JSON.stringify({ ...validChat(ctx), stream: true }),
    '{"model":1}',
    '',
  ];
  const picks = sample(
    fc.tuple(
      fc.integer({ min: 0, max: bodies.length - 1 }),
      fc.integer({ min: 1, max: 500_000 }),
      fc.constantFrom(0, 10, 50),
    ),
    701,
    80,
  );
  for (const [index, missing, wait] of picks) {
    const body = bodies[index] ?? '';
    cases.push({
      category: 'truncated-body',
      label: `Content-Length ${body.length + missing} for ${body.length} bytes, FIN after ${wait} ms`,
      httpLevel: true,
      request: post(ctx, body, { contentLength: String(body.length + missing), endAfterMs: wait }),
      expect: { status: [400] },
    });
  }
  return cases;
}

function badChunks(ctx: CaseContext): HttpCase[] {
  const cases: HttpCase[] = [];
  const valid = JSON.stringify(validChat(ctx));
  const half = Math.floor(valid.length / 2);
  const pieces = [valid.slice(0, half), valid.slice(half)];
  // Broken framing leaves the server waiting for bytes that never come: the client gives up (FIN).
  const add = (label: string, request: RawRequest, expect: Expectation = { status: [400] }) =>
    cases.push({
      category: 'bad-chunks',
      label,
      httpLevel: true,
      request: { endAfterMs: 100, ...request },
      expect,
    });
  // Framing the runtime's parser repairs: every byte of the body still arrives, so our code sees
  // a whole, valid request and may serve it.
  const repaired = { mayPass: true } as const;
  for (const size of [
    'zz',
    'g',
    '-1',
    '0x10',
    ' ',
    '',
    '1 2',
    'ffffffffffffffffffffffff',
    '+5',
    '5\u0000',
  ]) {
    add(`chunk size ${JSON.stringify(size)}`, chunked(ctx, pieces, { sizes: [size] }));
  }
  add('chunk size larger than its data', chunked(ctx, pieces, { sizes: ['ffff'] }));
  add('chunk size 1 MiB, data short', chunked(ctx, pieces, { sizes: ['100000'] }));
  add('chunk size smaller than its data', chunked(ctx, pieces, { sizes: ['3'] }));
  add(
    'no CRLF after chunk data',
    {
      ...chunked(ctx, []),
      body: enc.encode(`${valid.length.toString(16)}\r\n${valid}0\r\n\r\n`),
    },
    repaired,
  );
  for (const wait of [0, 100, 300]) {
    add(
      `no terminating chunk, FIN after ${wait} ms`,
      chunked(ctx, pieces, { tail: '', endAfterMs: wait }),
    );
    add(
      `last chunk without its CRLF, FIN after ${wait} ms`,
      chunked(ctx, pieces, { tail: '0\r\n', endAfterMs: wait }),
      repaired,
    );
    add(`cut inside a chunk, FIN after ${wait} ms`, {
      ...chunked(ctx, []),
      body: enc.encode(`${valid.length.toString(16)}\r\n${valid.slice(0, 10)}`),
      endAfterMs: wait,
    });
    add(`cut inside a chunk size line, FIN after ${wait} ms`, {
      ...chunked(ctx, []),
      body: enc.encode('1'),
      endAfterMs: wait,
    });
  }
  // Chunked bodies holding JSON that is not a valid request: a 400 whatever the framing.
  const sizes = sample(
    fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }),
    801,
    20,
  );
  for (const cuts of sizes) {
    const body = JSON.stringify({ ...validChat(ctx), temperature: 9 });
    const chunksOf: string[] = [];
    let at = 0;
    for (const n of cuts) {
      if (at >= body.length) break;
      chunksOf.push(body.slice(at, at + n));
      at += n;
    }
    if (at < body.length) chunksOf.push(body.slice(at));
    cases.push({
      category: 'bad-chunks',
      label: `invalid request in ${chunksOf.length} chunks`,
      httpLevel: false,
      request: chunked(ctx, chunksOf),
      expect: { status: [400], param: 'temperature' },
    });
  }
  const te: Array<[string, ReadonlyArray<readonly [string, string]>]> = [
    ['Transfer-Encoding: gzip, chunked', [['Transfer-Encoding', 'gzip, chunked']]],
    [
      'Transfer-Encoding: chunked twice',
      [
        ['Transfer-Encoding', 'chunked'],
        ['Transfer-Encoding', 'chunked'],
      ],
    ],
    ['Transfer-Encoding: xchunked', [['Transfer-Encoding', 'xchunked']]],
    ['Transfer-Encoding: identity', [['Transfer-Encoding', 'identity']]],
    ['Transfer-Encoding: CHUNKED', [['Transfer-Encoding', 'CHUNKED']]],
    [
      'chunked and Content-Length',
      [
        ['Transfer-Encoding', 'chunked'],
        ['Content-Length', '5'],
      ],
    ],
  ];
  for (const [label, headers] of te) {
    cases.push({
      category: 'bad-chunks',
      label: `${label}, invalid request`,
      httpLevel: true,
      request: chunked(ctx, [JSON.stringify({ ...validChat(ctx), temperature: 9 })], {
        headers,
        endAfterMs: 100,
      }),
      expect: { status: [400, 411, 501] },
    });
  }
  return cases;
}

function routes(ctx: CaseContext): HttpCase[] {
  const cases: HttpCase[] = [];
  const auth: ReadonlyArray<readonly [string, string]> = [
    ['Authorization', `Bearer ${ctx.apiKey}`],
  ];
  const add = (label: string, request: RawRequest, expect: Expectation = {}, httpLevel = false) =>
    cases.push({ category: 'routes', label, httpLevel, request, expect });
  const known = new Set(['/healthz', '/v1/models', '/v1/chat/completions', '/v1/nodes/connect']);
  const segment = fc
    .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 })
    .map(encodeURIComponent);
  const paths = sample(
    fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`),
    901,
    200,
  );
  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
  for (const [i, path] of paths.entries()) {
    if (known.has(path) || path.startsWith('/v1/models/')) continue;
    const method = methods[i % methods.length] ?? 'GET';
    add(`${method} ${short(path, 60)}`, { head: head(method, path, auth) }, { status: [404, 405] });
  }
  for (const n of [600, 5_000, 60_000]) {
    add(
      `GET a ${n}-character path`,
      { head: head('GET', `/${'a'.repeat(n)}`, auth) },
      { status: [404, 414] },
      n > 8000,
    );
    add(
      `GET /v1/models/ + ${n} characters`,
      { head: head('GET', `/v1/models/${'m'.repeat(n)}`, auth) },
      { status: [400, 404, 414] },
      n > 8000,
    );
    add(
      `POST chat with a ${n}-character query`,
      post(ctx, '{}', { path: `${CHAT}?${'q'.repeat(n)}` }),
      { status: [400, 414] },
      n > 8000,
    );
  }
  add(
    'GET /v1/models/ + 600 x é',
    { head: head('GET', `/v1/models/${encodeURIComponent('é'.repeat(600))}`, auth) },
    { status: [400, 404] },
  );
  const wrongMethod: Array<[string, string, string]> = [
    ['GET', CHAT, 'POST'],
    ['PUT', CHAT, 'POST'],
    ['DELETE', CHAT, 'POST'],
    ['PATCH', CHAT, 'POST'],
    ['OPTIONS', CHAT, 'POST'],
    ['PROPFIND', CHAT, 'POST'],
    ['POST', '/v1/models', 'GET'],
    ['PUT', '/v1/models', 'GET'],
    ['DELETE', '/v1/models', 'GET'],
    ['POST', '/healthz', 'GET'],
    ['DELETE', '/healthz', 'GET'],
  ];
  for (const [method, path] of wrongMethod) {
    add(`${method} ${path}`, post(ctx, '{}', { method, path }), {
      status: [405],
      code: ['method_not_allowed'],
    });
  }
  add('HEAD /v1/chat/completions', { head: head('HEAD', CHAT, auth) }, { status: [404, 405] });
  add('GET /v1/nodes/connect without an upgrade', {
    head: head('GET', '/v1/nodes/connect?node=x', auth),
  });
  add(
    'GET /v1/nodes/connect, upgrade without a WebSocket key',
    {
      head: head('GET', '/v1/nodes/connect?node=x', [
        ...auth,
        ['Upgrade', 'websocket'],
        ['Connection', 'Upgrade'],
      ]),
    },
    {},
    true,
  );
  for (const path of [
    '/v1/chat/completions/',
    '//v1/chat/completions',
    '/V1/CHAT/COMPLETIONS',
    '/v1/chat/completions%00',
    '/v1/chat/completions;x',
    '/v1/chat/../../v1/chat/completions/x',
    '/%2e%2e/admin/nodes',
    '/v1/chat/completions/..%2f..%2fadmin',
  ]) {
    add(`POST ${path}`, post(ctx, '{"model":1}', { path }));
  }
  // Garbage at the HTTP layer: the runtime's parser may answer these itself.
  const garbage: Array<[string, string]> = [
    ['a garbage request line', 'GARBAGE\r\n\r\n'],
    ['a request line with no version', 'GET /\r\n\r\n'],
    ['HTTP/9.9', 'GET /nope HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['HTTP/1.0', 'GET /nope HTTP/1.0\r\n\r\n'],
    ['an unknown method', head('FOO', CHAT, auth)],
    ['a lower-case method', head('post', CHAT, auth)],
    ['OPTIONS *', head('OPTIONS', '*', auth)],
    [
      'absolute-form target',
      head('POST', `http://evil.example${CHAT}`, [...auth, ['Content-Length', '0']]),
    ],
    ['NUL in a header value', head('GET', '/nope', [['X-A', 'a\u0000b']])],
    ['a header name with a space', head('GET', '/nope', [['X A', 'b']])],
    [
      'a header without a colon',
      `GET /nope HTTP/1.1\r\nHost: x\r\nNoColon\r\nConnection: close\r\n\r\n`,
    ],
    ['a 100 kB header', head('GET', '/nope', [['X-Big', 'b'.repeat(100_000)]])],
    [
      '2,000 headers',
      head(
        'GET',
        '/nope',
        Array.from({ length: 2000 }, (_, i) => [`X-H${i}`, 'v'] as const),
      ),
    ],
    ['bare LF line endings', 'GET /nope HTTP/1.1\nHost: x\nConnection: close\n\n'],
    [
      'obsolete header folding',
      'GET /nope HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\nConnection: close\r\n\r\n',
    ],
  ];
  for (const [label, raw] of garbage) add(label, { head: raw, endAfterMs: 200 }, {}, true);
  for (const bytes of sample(fc.uint8Array({ minLength: 1, maxLength: 200 }), 902, 20)) {
    add(
      `${bytes.length} random bytes`,
      { head: Buffer.from(bytes).toString('latin1'), endAfterMs: 100 },
      {},
      true,
    );
  }
  return cases;
}

/** Every hostile case, in a fixed order shuffled by a fixed seed. */
export function hostileHttpCases(ctx: CaseContext): HttpCase[] {
  const all = [
    ...malformedJson(ctx),
    ...wrongTypes(ctx),
    ...deepNesting(ctx),
    ...hugeStrings(ctx),
    ...unicode(ctx),
    ...contentTypes(ctx),
    ...auth(ctx),
    ...bodyLimit(ctx),
    ...truncatedBodies(ctx),
    ...badChunks(ctx),
    ...routes(ctx),
  ];
  const [order] = sample(
    fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
    1000,
    1,
  );
  return order ?? all;
}
