// Properties of the node <-> edge codec and of the limits it measures with: valid messages
// round-trip, any frame at all parses or is refused with a close code and a reason (never a
// throw), and every string that leaves in a close frame or an error message stays within bounds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exceedsUtf8,
  FIELD_LIMITS,
  FRAME_MAX_BYTES,
  ID_PATTERN,
  MODEL_ID_PATTERN,
  quote,
  QUOTE_MAX_CHARS,
  utf8Length,
} from '../limits.ts';
import { f32ToBase64 } from '../../rag/shard-base64.ts';
import { CLOSE, closeReason } from './close-codes.ts';
import {
  EMBED_JOB_LIMITS,
  encode,
  parseEdgeToNode,
  parseNodeToEdge,
  type EdgeToNode,
  type NodeToEdge,
  type Parsed,
} from './messages.ts';

const SEED = 4_400;
const encoder = new TextEncoder();

/** Any UTF-16 string, lone surrogates included. */
const anyUtf16 = (maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    maxLength,
  });
/** Well-formed text over the whole code point range (each unit is 1 or 2 UTF-16 code units). */
const text = (maxCodePoints: number) => fc.string({ unit: 'binary', maxLength: maxCodePoints });
const label = (maxLength: number) => fc.string({ maxLength });

const id = fc.stringMatching(ID_PATTERN);
const modelId = fc.stringMatching(MODEL_ID_PATTERN);
const count = fc.nat();
const bytes = fc.maxSafeNat();

// ---------------------------------------------------------------------------------------------
// Valid messages, both directions.

const hello: fc.Arbitrary<NodeToEdge> = fc.record({
  type: fc.constant('hello' as const),
  protocol: fc.integer(),
  nodeId: id,
  agent: label(FIELD_LIMITS.agentChars),
  engine: label(FIELD_LIMITS.engineChars),
  gpu: label(FIELD_LIMITS.gpuChars),
  vramTotalBytes: bytes,
  vramFreeBytes: bytes,
  slots: fc.integer({ min: 1, max: 1024 }),
  models: fc.uniqueArray(
    fc.record({
      id: modelId,
      contextSize: fc.integer({ min: 1, max: 1 << 30 }),
      description: text(FIELD_LIMITS.modelDescriptionChars / 2),
    }),
    { minLength: 1, maxLength: 8, selector: (m) => m.id },
  ),
});

const nodeToEdge: fc.Arbitrary<NodeToEdge> = fc.oneof(
  hello,
  fc.record(
    {
      type: fc.constant('heartbeat' as const),
      inFlight: count,
      queued: count,
      vramFreeBytes: bytes,
      slots: fc.integer({ min: 1, max: 1024 }),
    },
    { requiredKeys: ['type', 'inFlight', 'queued', 'vramFreeBytes'] },
  ),
  fc.record({ type: fc.constant('chunk' as const), jobId: id, seq: count, text: text(200) }),
  fc.record({
    type: fc.constant('done' as const),
    jobId: id,
    seq: count,
    finishReason: fc.constantFrom('stop' as const, 'length' as const),
    usage: fc.record({ promptTokens: count, completionTokens: count }),
  }),
  fc.record({
    type: fc.constant('error' as const),
    jobId: id,
    code: label(FIELD_LIMITS.jobErrorCodeChars),
    message: text(FIELD_LIMITS.jobErrorMessageChars / 2),
  }),
  fc.constant({ type: 'drain' as const }),
  fc.record({
    type: fc.constant('embedding' as const),
    jobId: id,
    vectors: fc.array(fc.float32Array({ minLength: 1, maxLength: 16 }).map(f32ToBase64), {
      minLength: 1,
      maxLength: EMBED_JOB_LIMITS.inputsPerJob,
    }),
    promptTokens: count,
  }),
);

const edgeToNode: fc.Arbitrary<EdgeToNode> = fc.oneof(
  fc.record({
    type: fc.constant('welcome' as const),
    protocol: fc.integer(),
    heartbeatMs: fc.integer({ min: 100, max: 2 ** 31 - 1 }),
  }),
  fc.record({
    type: fc.constant('job' as const),
    jobId: id,
    request: fc.record({
      model: modelId,
      messages: fc.array(
        fc.record({
          role: fc.constantFrom('system' as const, 'user' as const, 'assistant' as const),
          content: text(100),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      maxTokens: fc.option(fc.integer({ min: 1, max: FIELD_LIMITS.maxTokensCeiling })),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }).map((t) => t + 0),
      topP: fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }),
      stop: fc.array(text(FIELD_LIMITS.stopChars / 2), {
        maxLength: FIELD_LIMITS.stopSequences,
      }),
      seed: fc.option(fc.integer()),
    }),
  }),
  fc.record({
    type: fc.constant('cancel' as const),
    jobId: id,
    reason: text(FIELD_LIMITS.cancelReasonChars / 2),
  }),
  fc.record({
    type: fc.constant('embed' as const),
    jobId: id,
    request: fc.record(
      {
        model: modelId,
        inputs: fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }), {
          minLength: 1,
          maxLength: EMBED_JOB_LIMITS.inputsPerJob,
        }),
        dimensions: fc.integer({ min: 1, max: EMBED_JOB_LIMITS.maxDim }),
      },
      { requiredKeys: ['model', 'inputs'] },
    ),
  }),
);

// ---------------------------------------------------------------------------------------------
// Hostile frames.

const TYPES = [
  'hello',
  'heartbeat',
  'chunk',
  'done',
  'error',
  'drain',
  'embedding',
  'welcome',
  'job',
  'cancel',
  'embed',
];

const awkward: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  anyUtf16(40),
  fc.constantFrom(-1, 1.5, 1e308, 2 ** 53, '', 'x'.repeat(5000), null, [], {}, '\ud800'),
);

/** A valid message with one field replaced or removed, or an extra one added. */
const mutated: fc.Arbitrary<string> = fc
  .tuple(fc.oneof(nodeToEdge, edgeToNode), fc.nat(), awkward, fc.constantFrom('set', 'delete'))
  .map(([message, pick, value, how]) => {
    const obj = JSON.parse(encode(message)) as Record<string, unknown>;
    const keys = Object.keys(obj);
    const key = keys[pick % keys.length] ?? 'type';
    if (how === 'delete') delete obj[key];
    else obj[key] = value;
    return JSON.stringify(obj);
  });

const shapedJunk: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...TYPES, 'x', '', 'HELLO'),
    fc.dictionary(fc.string({ maxLength: 12 }), awkward, { maxKeys: 6 }),
  )
  .map(([type, rest]) => JSON.stringify({ ...rest, type }));

const hostileFrame: fc.Arbitrary<string | ArrayBuffer> = fc.oneof(
  anyUtf16(300),
  fc.json({ maxDepth: 3 }),
  shapedJunk,
  mutated,
  fc.oneof(nodeToEdge, edgeToNode).map((m) => encode(m)),
  fc.uint8Array({ maxLength: 300 }).map((a) => new Uint8Array(a).buffer),
  fc.oneof(nodeToEdge, edgeToNode).map((m) => encoder.encode(encode(m)).slice().buffer),
);

/** A refusal carries an application close code and a reason; a success re-encodes to itself. */
function checkParsed<T extends NodeToEdge | EdgeToNode>(
  parsed: Parsed<T>,
  reparse: (frame: string) => Parsed<T>,
): void {
  if (parsed.ok) {
    expect(reparse(encode(parsed.message))).toEqual(parsed);
    return;
  }
  expect(parsed.code).toBeGreaterThanOrEqual(4000);
  expect(parsed.code).toBeLessThanOrEqual(4999);
  expect(typeof parsed.reason).toBe('string');
  expect(parsed.reason.length).toBeGreaterThan(0);
  expect(closeReason(parsed.reason).length).toBeGreaterThan(0);
}

function tryParse<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new Error(`the parser threw instead of refusing: ${String(err)}`, { cause: err });
  }
}

describe('node protocol codec properties', () => {
  it('parseNodeToEdge(encode(m)) is m for every valid node message', () => {
    fc.assert(
      fc.property(nodeToEdge, (m) => {
        expect(parseNodeToEdge(encode(m))).toEqual({ ok: true, message: m });
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('parseEdgeToNode(encode(m)) is m for every valid edge message', () => {
    fc.assert(
      fc.property(edgeToNode, (m) => {
        expect(parseEdgeToNode(encode(m))).toEqual({ ok: true, message: m });
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  // Hostile frames up to the frame limit: slow to generate, so a loaded machine gets more time.
  it(
    'any frame, text or binary, parses or is refused with a code and a reason; nothing throws',
    { timeout: 30_000 },
    () => {
      fc.assert(
        fc.property(hostileFrame, (frame) => {
          checkParsed(
            tryParse(() => parseNodeToEdge(frame)),
            parseNodeToEdge,
          );
          checkParsed(
            tryParse(() => parseEdgeToNode(frame)),
            parseEdgeToNode,
          );
        }),
        { seed: SEED + 1, numRuns: 5000 },
      );
    },
  );

  it('binary frames are refused as malformed, even when they hold a valid message', () => {
    fc.assert(
      fc.property(nodeToEdge, (m) => {
        const parsed = parseNodeToEdge(encoder.encode(encode(m)).slice().buffer);
        expect(parsed).toMatchObject({ ok: false, code: CLOSE.malformed });
      }),
      { seed: SEED + 2, numRuns: 200 },
    );
  });

  it('measures the frame limit in UTF-8 bytes: exactly FRAME_MAX_BYTES parses, one byte more is refused', () => {
    const heartbeat = encode({ type: 'heartbeat', inFlight: 0, queued: 0, vramFreeBytes: 0 });
    const padTo = (n: number) => heartbeat + ' '.repeat(n - heartbeat.length);
    expect(parseNodeToEdge(padTo(FRAME_MAX_BYTES)).ok).toBe(true);
    expect(parseNodeToEdge(padTo(FRAME_MAX_BYTES + 1))).toMatchObject({
      ok: false,
      code: CLOSE.malformed,
    });
    // Fewer characters than the limit, more bytes: 'é' is two bytes in UTF-8.
    const wide = JSON.stringify({
      type: 'chunk',
      jobId: 'j',
      seq: 0,
      text: 'é'.repeat(FRAME_MAX_BYTES / 2 + 1),
    });
    expect(wide.length).toBeLessThan(FRAME_MAX_BYTES);
    expect(parseNodeToEdge(wide)).toMatchObject({ ok: false, code: CLOSE.malformed });
  });
});

describe('bounded strings', () => {
  it('closeReason() is at most 123 UTF-8 bytes of printable ASCII, whatever it is given', () => {
    fc.assert(
      fc.property(fc.oneof(anyUtf16(600), text(300)), (input) => {
        const reason = closeReason(input);
        expect(encoder.encode(reason).length).toBeLessThanOrEqual(123);
        expect(reason).toMatch(/^[\x20-\x7e]*$/);
      }),
      { seed: SEED + 3, numRuns: 2000 },
    );
  });

  it('closeReason() keeps a short printable ASCII reason as it is', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 120 }), (input) => {
        expect(closeReason(input)).toBe(input);
      }),
      { seed: SEED + 4, numRuns: 500 },
    );
  });

  it('utf8Length() is the length TextEncoder produces, for well-formed strings and lone surrogates alike', () => {
    fc.assert(
      fc.property(fc.oneof(text(200), anyUtf16(200)), (s) => {
        expect(utf8Length(s)).toBe(encoder.encode(s).length);
      }),
      { seed: SEED + 5, numRuns: 3000 },
    );
  });

  it('exceedsUtf8(s, n) agrees with utf8Length(s) > n', () => {
    fc.assert(
      fc.property(fc.oneof(text(100), anyUtf16(100)), fc.nat(500), (s, n) => {
        expect(exceedsUtf8(s, n)).toBe(utf8Length(s) > n);
      }),
      { seed: SEED + 6, numRuns: 3000 },
    );
  });

  it(`quote() shows at most ${QUOTE_MAX_CHARS} characters of its input, none of them control characters`, () => {
    fc.assert(
      fc.property(fc.oneof(anyUtf16(200), text(200), fc.string({ maxLength: 200 })), (value) => {
        const quoted = quote(value);
        const suffix = ` (${value.length} characters)`;
        // Quotes, the shown characters, an ellipsis when cut, and how long the input was.
        expect([...quoted].length).toBeLessThanOrEqual(QUOTE_MAX_CHARS + 3 + suffix.length);
        expect(quoted).not.toMatch(/[\u0000-\u001f\u007f]/);
        expect(quoted).not.toMatch(
          /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
        );
      }),
      { seed: SEED + 7, numRuns: 3000 },
    );
  });

  it('quote() leaves a short, printable value whole', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: QUOTE_MAX_CHARS }), (value) => {
        fc.pre([...value].length <= QUOTE_MAX_CHARS);
        expect(quote(value)).toBe(`'${value}'`);
      }),
      { seed: SEED + 8, numRuns: 500 },
    );
  });
});
