/**
 * Hostile frames from a connected node, generated deterministically with fast-check. Each case
 * runs on its own fresh connection (its own node id, token and model) and says what the target
 * is: the edge closes the socket with a 4xxx code and a reason, or ignores the frame and keeps
 * serving through that socket.
 */
import {
  CLOSE,
  FIELD_LIMITS,
  FRAME_MAX_BYTES,
  NODE_PROTOCOL_VERSION,
} from '@proxima/core/protocol';
import fc from 'fast-check';
import { helloFor } from './node-peer.ts';

export type Frame = string | Uint8Array;

/** What the edge must do with the socket. */
export type SocketTarget = 'close' | 'harmless' | 'either';

export interface FrameCase {
  readonly category: string;
  readonly label: string;
  /** Say hello (and be welcomed) before the hostile frames. */
  readonly afterHello: boolean;
  /**
   * Send the frames while a job from a chat to this node is in flight; frames may use its id.
   * The chat must end (200 or 502) rather than hang.
   */
  readonly inJob: boolean;
  /** The frames, given this connection's node id, model and (in a job) the job id. */
  readonly frames: (ctx: FrameContext) => readonly Frame[];
  readonly target: SocketTarget;
  /** When closed, the codes the target allows; default any 4000 or 44xx. */
  readonly codes?: readonly number[];
  /** How long to wait for the edge to act, in ms (default 1500 when closing, 400 otherwise). */
  readonly waitMs?: number;
}

export interface FrameContext {
  readonly nodeId: string;
  readonly model: string;
  readonly jobId: string;
}

const MALFORMED = [CLOSE.malformed];
const enc = new TextEncoder();

function sample<T>(arb: fc.Arbitrary<T>, seed: number, numRuns: number): T[] {
  return fc.sample(arb, { seed, numRuns });
}

const json = (value: unknown): string => JSON.stringify(value);
const heartbeat = { type: 'heartbeat', inFlight: 0, queued: 0, vramFreeBytes: 0 };
const chunk = (jobId: string, seq: number, text = 'ok') => ({ type: 'chunk', jobId, seq, text });
const done = (jobId: string, seq: number) => ({
  type: 'done',
  jobId,
  seq,
  finishReason: 'stop',
  usage: { promptTokens: 1, completionTokens: 1 },
});
const jobError = (jobId: string) => ({ type: 'error', jobId, code: 'engine_failed', message: 'x' });

function short(text: string, max = 60): string {
  const flat = JSON.stringify(text);
  return flat.length <= max ? flat : `${flat.slice(0, max)}… (${text.length} chars)`;
}

function malformed(): FrameCase[] {
  const parses = (s: string) => {
    try {
      JSON.parse(s);
      return true;
    } catch {
      return false;
    }
  };
  const texts = sample(fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }), 11, 40)
    .filter((s) => !parses(s))
    .concat([json(heartbeat).slice(0, 20), `${json(heartbeat)}x`, '{}', '[]', 'null', '42', '""']);
  return texts.map((text) => ({
    category: 'malformed-json',
    label: short(text),
    afterHello: true,
    inJob: false,
    frames: () => [text],
    target: 'close',
    codes: MALFORMED,
  }));
}

/** Valid messages of each type a node sends, and the wrong-typed values each field may get. */
function wrongTypes(): FrameCase[] {
  const messages: Array<[string, (c: FrameContext) => Record<string, unknown>]> = [
    ['heartbeat', () => ({ ...heartbeat })],
    ['chunk', () => chunk('no-such-job', 0)],
    ['done', () => done('no-such-job', 0)],
    ['error', () => jobError('no-such-job')],
  ];
  const wrong = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(-1, 1.5, 1e308, '', 'x', true, null, [], {}, 'a b', '\u0000'),
  );
  const picks = sample(
    fc.tuple(fc.nat(messages.length - 1), fc.nat(10), wrong, fc.boolean()),
    21,
    120,
  );
  const cases: FrameCase[] = [];
  for (const [m, k, value, remove] of picks) {
    const [type, make] = messages[m] ?? messages[0]!;
    const keys = Object.keys(make({ nodeId: '', model: '', jobId: '' })).filter(
      (x) => x !== 'type',
    );
    const key = keys[k % keys.length] ?? 'type';
    const valid = make({ nodeId: '', model: '', jobId: '' });
    // Values of the right type may still be valid (a string job id, a number count): skip those.
    const sameType = typeof value === typeof valid[key] && !Array.isArray(value) && value !== null;
    if (!remove && sameType) continue;
    cases.push({
      category: 'wrong-types',
      label: remove ? `${type} without ${key}` : `${type}.${key} = ${short(json(value))}`,
      afterHello: true,
      inJob: false,
      frames: (c) => {
        const message = make(c);
        if (remove) delete message[key];
        else message[key] = value;
        return [json(message)];
      },
      target: 'close',
      codes: MALFORMED,
    });
  }
  for (const type of sample(fc.string({ maxLength: 20 }), 22, 25).concat([
    'HELLO',
    'welcome',
    'job',
    'cancel',
    '',
  ])) {
    if (['hello', 'heartbeat', 'chunk', 'done', 'error', 'drain'].includes(type)) continue;
    cases.push({
      category: 'unknown-type',
      label: `type ${short(type)}`,
      afterHello: true,
      inJob: false,
      frames: () => [json({ ...heartbeat, type })],
      target: 'close',
      codes: MALFORMED,
    });
  }
  return cases;
}

function outOfOrder(): FrameCase[] {
  const cases: FrameCase[] = [];
  const beforeHello: Array<[string, (c: FrameContext) => Frame[]]> = [
    ['heartbeat before hello', () => [json(heartbeat)]],
    ['chunk before hello', () => [json(chunk('j1', 0))]],
    ['done before hello', () => [json(done('j1', 0))]],
    ['error before hello', () => [json(jobError('j1'))]],
    ['drain before hello', () => [json({ type: 'drain' })]],
  ];
  for (const [label, frames] of beforeHello) {
    cases.push({
      category: 'out-of-order',
      label,
      afterHello: false,
      inJob: false,
      frames,
      target: 'close',
      codes: MALFORMED,
    });
  }
  cases.push(
    {
      category: 'out-of-order',
      label: 'a second hello',
      afterHello: true,
      inJob: false,
      frames: (c) => [json(helloFor(c.nodeId, [c.model]))],
      target: 'close',
      codes: MALFORMED,
    },
    {
      category: 'out-of-order',
      label: 'a second hello with other models',
      afterHello: true,
      inJob: false,
      frames: (c) => [json(helloFor(c.nodeId, [`${c.model}-b`]))],
      target: 'close',
      codes: MALFORMED,
    },
    {
      category: 'out-of-order',
      label: 'nothing at all (no hello in time)',
      afterHello: false,
      inJob: false,
      frames: () => [],
      target: 'close',
      codes: [CLOSE.helloTimeout],
      // The test fleet's hello deadline is 2 s; local workerd finishes the TCP teardown of a
      // socket closed from an alarm about 10 s later (docs/design/0006), so the close lands ~12 s.
      waitMs: 16_000,
    },
  );
  // Hellos the edge must refuse.
  const hellos: Array<[string, (c: FrameContext) => Record<string, unknown>, readonly number[]]> = [
    [
      'hello for another node id',
      (c) => ({ ...helloFor(`${c.nodeId}-other`, [c.model]) }),
      [CLOSE.malformed, CLOSE.forbidden],
    ],
    [
      'hello with the next protocol',
      (c) => ({ ...helloFor(c.nodeId, [c.model]), protocol: NODE_PROTOCOL_VERSION + 1 }),
      [CLOSE.unsupportedProtocol],
    ],
    [
      'hello with protocol 1 (an old node)',
      (c) => ({ ...helloFor(c.nodeId, [c.model]), protocol: 1 }),
      [CLOSE.unsupportedProtocol],
    ],
    [
      'hello with protocol -1',
      (c) => ({ ...helloFor(c.nodeId, [c.model]), protocol: -1 }),
      [CLOSE.unsupportedProtocol, CLOSE.malformed],
    ],
    ['hello with no models', (c) => ({ ...helloFor(c.nodeId, []) }), MALFORMED],
    [
      'hello with 65 models',
      (c) => ({
        ...helloFor(
          c.nodeId,
          Array.from({ length: 65 }, (_, i) => `${c.model}-${i}`),
        ),
      }),
      MALFORMED,
    ],
    ['hello with a model twice', (c) => ({ ...helloFor(c.nodeId, [c.model, c.model]) }), MALFORMED],
    [
      'hello with a model id of 129 characters',
      (c) => ({ ...helloFor(c.nodeId, ['m'.repeat(129)]) }),
      MALFORMED,
    ],
    ['hello with a model id with a space', (c) => ({ ...helloFor(c.nodeId, ['a b']) }), MALFORMED],
    ['hello with 0 slots', (c) => ({ ...helloFor(c.nodeId, [c.model]), slots: 0 }), MALFORMED],
    [
      'hello with contextSize 0',
      (c) => ({
        ...helloFor(c.nodeId, [c.model]),
        models: [{ id: c.model, contextSize: 0, description: '' }],
      }),
      MALFORMED,
    ],
  ];
  for (const [label, make, codes] of hellos) {
    cases.push({
      category: 'bad-hello',
      label,
      afterHello: false,
      inJob: false,
      frames: (c) => [json(make(c))],
      target: 'close',
      codes,
    });
  }
  return cases;
}

function binary(): FrameCase[] {
  const bytes = sample(fc.uint8Array({ minLength: 0, maxLength: 200 }), 31, 12);
  const cases: FrameCase[] = bytes.map((b) => ({
    category: 'binary',
    label: `${b.length} random bytes`,
    afterHello: true,
    inJob: false,
    frames: () => [b],
    target: 'close',
    codes: MALFORMED,
  }));
  cases.push(
    {
      category: 'binary',
      label: 'a valid heartbeat as a binary frame',
      afterHello: true,
      inJob: false,
      frames: () => [enc.encode(json(heartbeat))],
      target: 'close',
      codes: MALFORMED,
    },
    {
      category: 'binary',
      label: 'a valid hello as a binary frame',
      afterHello: false,
      inJob: false,
      frames: (c) => [enc.encode(json(helloFor(c.nodeId, [c.model])))],
      target: 'close',
      codes: MALFORMED,
    },
  );
  return cases;
}

function oversized(): FrameCase[] {
  const padded = (bytes: number) => {
    const text = json(heartbeat);
    return text + ' '.repeat(bytes - text.length);
  };
  const cases: FrameCase[] = [
    {
      category: 'oversized',
      label: `heartbeat padded to FRAME_MAX_BYTES + 1 (${FRAME_MAX_BYTES + 1} bytes)`,
      afterHello: true,
      inJob: false,
      frames: () => [padded(FRAME_MAX_BYTES + 1)],
      target: 'close',
      codes: MALFORMED,
      waitMs: 5000,
    },
    {
      category: 'oversized',
      label: 'a chunk of 3 MiB',
      afterHello: true,
      inJob: false,
      frames: () => [json(chunk('no-such-job', 0, 'x'.repeat(3 * 1024 * 1024)))],
      target: 'close',
      codes: MALFORMED,
      waitMs: 5000,
    },
    {
      category: 'oversized',
      label: 'fewer characters than FRAME_MAX_BYTES, more bytes (é)',
      afterHello: true,
      inJob: false,
      frames: () => [json(chunk('no-such-job', 0, 'é'.repeat(FRAME_MAX_BYTES / 2 + 16)))],
      target: 'close',
      codes: MALFORMED,
      waitMs: 5000,
    },
    {
      category: 'oversized',
      label: 'a 20 MiB frame',
      afterHello: true,
      inJob: false,
      frames: () => [padded(20 * 1024 * 1024)],
      target: 'close',
      codes: MALFORMED,
      waitMs: 8000,
    },
    {
      category: 'oversized',
      label: `heartbeat padded to exactly FRAME_MAX_BYTES (${FRAME_MAX_BYTES} bytes)`,
      afterHello: true,
      inJob: false,
      frames: () => [padded(FRAME_MAX_BYTES)],
      target: 'harmless',
      waitMs: 1500,
    },
  ];
  return cases;
}

function hugeStrings(): FrameCase[] {
  const cases: FrameCase[] = [];
  const fields: Array<[string, (c: FrameContext, s: string) => Record<string, unknown>, boolean]> =
    [
      ['hello.agent', (c, s) => ({ ...helloFor(c.nodeId, [c.model]), agent: s }), false],
      ['hello.engine', (c, s) => ({ ...helloFor(c.nodeId, [c.model]), engine: s }), false],
      ['hello.gpu', (c, s) => ({ ...helloFor(c.nodeId, [c.model]), gpu: s }), false],
      ['hello.nodeId', (_c, s) => ({ ...helloFor(s, ['m']) }), false],
      [
        'hello.models[0].description',
        (c, s) => ({
          ...helloFor(c.nodeId, [c.model]),
          models: [{ id: c.model, contextSize: 1, description: s }],
        }),
        false,
      ],
      ['hello.models[0].id', (c, s) => ({ ...helloFor(c.nodeId, [s]) }), false],
      ['chunk.jobId', (_c, s) => chunk(s, 0), true],
      ['chunk.text', (_c, s) => chunk('no-such-job', 0, s), true],
      ['error.code', (_c, s) => ({ ...jobError('no-such-job'), code: s }), true],
      ['error.message', (_c, s) => ({ ...jobError('no-such-job'), message: s }), true],
    ];
  const limits: Record<string, number> = {
    'hello.agent': FIELD_LIMITS.agentChars,
    'hello.engine': FIELD_LIMITS.engineChars,
    'hello.gpu': FIELD_LIMITS.gpuChars,
    'hello.nodeId': 128,
    'hello.models[0].description': FIELD_LIMITS.modelDescriptionChars,
    'hello.models[0].id': 128,
    'chunk.jobId': 128,
    'chunk.text': FIELD_LIMITS.chunkChars,
    'error.code': FIELD_LIMITS.jobErrorCodeChars,
    'error.message': FIELD_LIMITS.jobErrorMessageChars,
  };
  for (const [field, make, afterHello] of fields) {
    const limit = limits[field] ?? 128;
    for (const length of [limit + 1, Math.max(4 * limit, 100_000)]) {
      cases.push({
        category: 'huge-strings',
        label: `${field} of ${length} characters`,
        afterHello,
        inJob: false,
        frames: (c) => [json(make(c, 'z'.repeat(length)))],
        target: 'close',
        codes: MALFORMED,
      });
    }
  }
  // Lone surrogates and NULs in text fields: JSON escapes them, the frame stays valid UTF-8.
  for (const s of ['\ud800', '\u0000', 'a\udc00\ud800']) {
    cases.push({
      category: 'huge-strings',
      label: `error.message = ${short(s)} for an unknown job`,
      afterHello: true,
      inJob: false,
      frames: () => [json({ ...jobError('no-such-job'), message: s })],
      target: 'either',
    });
  }
  return cases;
}

function unknownJobs(): FrameCase[] {
  const ids = sample(fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/), 41, 24);
  const makers: Array<[string, (id: string, seq: number) => Record<string, unknown>]> = [
    ['chunk', (id, seq) => chunk(id, seq)],
    ['done', (id, seq) => done(id, seq)],
    ['error', (id) => jobError(id)],
  ];
  return ids.map((id, i) => {
    const [type, make] = makers[i % makers.length] ?? makers[0]!;
    const seq = (i * 7919) % 1000;
    return {
      category: 'unknown-job',
      label: `${type} for unknown job ${short(id, 30)} seq ${seq}`,
      afterHello: true,
      inJob: false,
      frames: () => [json(make(id, seq))],
      target: 'harmless',
    };
  });
}

/** Frames about a real job in flight (a chat to this node's model). */
function inJob(): FrameCase[] {
  const job = (
    label: string,
    frames: (c: FrameContext) => Frame[],
    target: SocketTarget,
    codes?: readonly number[],
  ): FrameCase => ({
    category: 'in-job',
    label,
    afterHello: true,
    inJob: true,
    frames,
    target,
    ...(codes ? { codes } : {}),
  });
  return [
    job('chunk with a sequence gap', (c) => [json(chunk(c.jobId, 3))], 'harmless'),
    job('done with a sequence gap', (c) => [json(done(c.jobId, 5))], 'harmless'),
    job(
      'a chunk twice, then done',
      (c) => [json(chunk(c.jobId, 0)), json(chunk(c.jobId, 0)), json(done(c.jobId, 1))],
      'harmless',
    ),
    job(
      'chunks after done',
      (c) => [
        json(chunk(c.jobId, 0)),
        json(done(c.jobId, 1)),
        json(chunk(c.jobId, 2)),
        json(done(c.jobId, 3)),
      ],
      'harmless',
    ),
    job('done twice', (c) => [json(done(c.jobId, 0)), json(done(c.jobId, 0))], 'harmless'),
    job('error after done', (c) => [json(done(c.jobId, 0)), json(jobError(c.jobId))], 'harmless'),
    job(
      'a chunk for another job in between',
      (c) => [json(chunk(`${c.jobId}x`, 0)), json(chunk(c.jobId, 0)), json(done(c.jobId, 1))],
      'harmless',
    ),
    job('negative seq', (c) => [json(chunk(c.jobId, -1))], 'close', MALFORMED),
    job('fractional seq', (c) => [json(chunk(c.jobId, 0.5))], 'close', MALFORMED),
    job('seq 2^53', (c) => [json(chunk(c.jobId, 2 ** 53))], 'either'),
    job(
      'an error message of 100,000 characters',
      (c) => [json({ ...jobError(c.jobId), message: 'e'.repeat(100_000) })],
      'close',
      MALFORMED,
    ),
    job(
      'a chunk over the chunk limit',
      (c) => [json(chunk(c.jobId, 0, 'c'.repeat(FIELD_LIMITS.chunkChars + 1)))],
      'close',
      MALFORMED,
    ),
    job(
      'a binary frame mid-job',
      (c) => [json(chunk(c.jobId, 0)), enc.encode('garbage')],
      'close',
      MALFORMED,
    ),
    job(
      'malformed JSON mid-job',
      (c) => [json(chunk(c.jobId, 0)), '{"type":"chunk",'],
      'close',
      MALFORMED,
    ),
    job(
      'a second hello mid-job',
      (c) => [json(chunk(c.jobId, 0)), json(helloFor(c.nodeId, [c.model]))],
      'close',
      MALFORMED,
    ),
    job(
      'done with a bad finishReason',
      (c) => [json({ ...done(c.jobId, 0), finishReason: 'exploded' })],
      'close',
      MALFORMED,
    ),
  ];
}

/** Every hostile frame case, shuffled by a fixed seed. */
export function hostileFrameCases(): FrameCase[] {
  const all = [
    ...malformed(),
    ...wrongTypes(),
    ...outOfOrder(),
    ...binary(),
    ...oversized(),
    ...hugeStrings(),
    ...unknownJobs(),
    ...inJob(),
  ];
  const [order] = sample(
    fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
    51,
    1,
  );
  return order ?? all;
}
