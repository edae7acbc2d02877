// Hostile node <-> edge protocol traffic against a real fleet: each case connects as its own node
// (a fresh node id, token and model), says hello, and sends frames that are malformed, oversized,
// out of order, binary or about jobs it does not have. Target: the edge closes that socket with a
// 4xxx code and a reason, or ignores a harmless frame and keeps serving through it; sockets
// without a valid token are refused with 4401; the real node serves chats throughout.
import { CLOSE } from '@proxima/core/protocol';
import { describe, expect, it } from 'vitest';
import { useTestFleet } from './fleet.ts';
import { hostileFrameCases, type FrameCase } from './fuzz/node-frames.ts';
import { NodePeer, type Closed } from './fuzz/node-peer.ts';
import { mapLimit } from './fuzz/raw-http.ts';
import { fetchRetryingClosedSocket } from './closed-socket-retry.ts';

const f = useTestFleet();
const LANES = 4;
const BATCHES = 3;
/** Refused connects come from their own address, so the per-address limit stays theirs. */
const ATTACKER = { 'cf-connecting-ip': '198.51.100.9' };

interface Outcome {
  readonly case: FrameCase;
  readonly closed: Closed | null;
  readonly problems: readonly string[];
}

/** An admin call; a kept-alive socket closed under it is retried (a second token is harmless). */
async function admin(path: string, body: unknown): Promise<Response> {
  return fetchRetryingClosedSocket(new URL(path, f.t.fleet.info.url), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${f.t.fleet.adminToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
}

/** A fresh node token bound to `nodeId`. */
async function mintNodeToken(nodeId: string): Promise<string> {
  const res = await admin('/admin/node-tokens', { nodeId });
  if (res.status !== 201)
    throw new Error(`minting a node token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

interface ChatResult {
  /** 0: no answer in time. */
  readonly status: number;
  readonly content: string | null;
}

/** A chat with the fleet's API key, by fetch, so that a hang is seen as one. */
async function chatTo(
  model: string,
  ms: number,
  apiKey = f.t.fleet.info.apiKey,
): Promise<ChatResult> {
  try {
    const res = await fetch(new URL('/v1/chat/completions', f.t.fleet.info.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 2 }),
      signal: AbortSignal.timeout(ms),
    });
    const body = (await res.json()) as { choices?: Array<{ message?: { content?: string } }> };
    return { status: res.status, content: body.choices?.[0]?.message?.content ?? null };
  } catch {
    return { status: 0, content: null };
  }
}

async function realNodeChat(): Promise<number> {
  const res = await f.client.chat.completions.create({
    model: f.t.fleet.info.models[0] ?? 'proxima-demo',
    messages: [{ role: 'user', content: 'Are you still there?' }],
    max_tokens: 4,
  });
  return res.usage?.completion_tokens ?? 0;
}

function judgeClose(c: FrameCase, closed: Closed, problems: string[]): void {
  const appCode = closed.code === CLOSE.goingAway || (closed.code >= 4400 && closed.code < 4500);
  if (!appCode) problems.push(`closed with ${closed.code}, not 4000 or 44xx`);
  else if (c.codes && !c.codes.includes(closed.code))
    problems.push(`closed with ${closed.code}, target ${c.codes.join('|')}`);
  if (closed.reason.trim() === '') problems.push(`closed with ${closed.code} and no reason`);
  if (c.target === 'harmless')
    problems.push(`closed (${closed.code} ${closed.reason}) for a harmless frame`);
}

async function runCase(c: FrameCase, index: number): Promise<Outcome> {
  const nodeId = `fuzz-node-${index}`;
  const model = `fuzz-model-${index}`;
  const problems: string[] = [];
  const token = await mintNodeToken(nodeId);
  const peer = new NodePeer(f.t.fleet.info.url, nodeId, { authorization: `Bearer ${token}` });
  try {
    if (!(await peer.open())) {
      problems.push(`refused before any frame: ${JSON.stringify(peer.closed)}`);
      return { case: c, closed: peer.closed, problems };
    }
    if (c.afterHello && !(await peer.hello(nodeId, [model]))) {
      problems.push(`a valid hello was not welcomed: ${JSON.stringify(peer.closed)}`);
      return { case: c, closed: peer.closed, problems };
    }
    let chat: Promise<ChatResult> | null = null;
    let jobId = 'no-job';
    if (c.inJob) {
      peer.autoAnswer = false;
      chat = chatTo(model, 10_000);
      jobId = (await peer.nextJob(5000)) ?? 'no-job';
      if (jobId === 'no-job') problems.push('the chat did not reach this node as a job');
      peer.autoAnswer = true;
    }
    for (const frame of c.frames({ nodeId, model, jobId })) peer.send(frame);
    const wait = c.waitMs ?? (c.target === 'close' ? 1500 : 400);
    const closed = await peer.waitClosed(wait);
    if (closed) judgeClose(c, closed, problems);
    else if (c.target === 'close')
      problems.push(`still open ${wait} ms later; the target closes it`);
    else {
      // Still open: it must still serve, through this very socket.
      const after = await chatTo(model, 5000);
      if (after.status !== 200 || after.content !== 'ok')
        problems.push(`open, but a chat through it got ${after.status} ${String(after.content)}`);
    }
    if (chat) {
      const result = await chat;
      if (result.status === 0) problems.push('the chat whose job this was never ended');
      else if (![200, 502].includes(result.status))
        problems.push(`the chat whose job this was got ${result.status}`);
    }
    return { case: c, closed: peer.closed ?? closed, problems };
  } finally {
    peer.close();
  }
}

function tally<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function report(outcomes: readonly Outcome[]): string {
  return outcomes
    .filter((o) => o.problems.length > 0)
    .map((o) => `${o.case.category} / ${o.case.label}: ${o.problems.join('; ')}`)
    .join('\n');
}

describe('hostile frames from connected nodes', () => {
  const outcomes: Outcome[] = [];
  const realChats: number[] = [];
  let connectsBefore = 0;
  const nodeConnects = () =>
    f.t.events(f.t.fleet.nodes[0]?.nodeId ?? '').filter((e) => e['event'] === 'edge.connected')
      .length;

  it('runs every case on its own connection, in batches, with a real chat after each', async () => {
    connectsBefore = nodeConnects();
    const cases = hostileFrameCases();
    const size = Math.ceil(cases.length / BATCHES);
    const started = performance.now();
    for (let b = 0; b < BATCHES; b++) {
      const batch = cases.slice(b * size, (b + 1) * size);
      outcomes.push(...(await mapLimit(batch, LANES, (c, i) => runCase(c, b * size + i))));
      realChats.push(await realNodeChat().catch(() => 0));
    }
    console.log(
      JSON.stringify(
        {
          fuzz: 'node-protocol',
          cases: outcomes.length,
          seconds: Math.round((performance.now() - started) / 100) / 10,
          byCategory: tally(outcomes, (o) => o.case.category),
          closeCodes: tally(outcomes, (o) => (o.closed ? String(o.closed.code) : 'open')),
          failing: outcomes.filter((o) => o.problems.length > 0).length,
          realNodeChats: realChats,
        },
        null,
        2,
      ),
    );
    expect(outcomes.length).toBeGreaterThanOrEqual(200);
  }, 180_000);

  it('closes each socket with 4000/44xx and a reason, or keeps serving through it', () => {
    expect(report(outcomes)).toBe('');
  });

  it('served chats through the real node between batches, and never dropped it', async () => {
    expect(realChats.every((tokens) => tokens > 0)).toBe(true);
    expect(await realNodeChat()).toBeGreaterThan(0);
    expect(nodeConnects()).toBe(connectsBefore);
  });
});

describe('sockets without a valid node token', () => {
  it('are refused with 4401 and a reason', async () => {
    const bound = await mintNodeToken('fuzz-bound-a');
    const cases: Array<[string, string, Record<string, string>, readonly number[]]> = [
      ['no token', 'fuzz-anon-1', {}, [CLOSE.unauthorized]],
      [
        'an unknown token',
        'fuzz-anon-2',
        { authorization: `Bearer pxn_${'w'.repeat(32)}` },
        [CLOSE.unauthorized],
      ],
      [
        'a 5-character token',
        'fuzz-anon-3',
        { authorization: 'Bearer short' },
        [CLOSE.unauthorized],
      ],
      [
        'a 300-character token',
        'fuzz-anon-4',
        { authorization: `Bearer ${'x'.repeat(300)}` },
        [CLOSE.unauthorized],
      ],
      [
        'a token with a space',
        'fuzz-anon-5',
        { authorization: 'Bearer pxn_aaaaaaaaaa aaaaaaaaaaaa' },
        [CLOSE.unauthorized],
      ],
      [
        'a token of latin-1 bytes',
        'fuzz-anon-6',
        { authorization: `Bearer pxn_${'\u00e9'.repeat(20)}` },
        [CLOSE.unauthorized],
      ],
      [
        'Basic auth',
        'fuzz-anon-7',
        { authorization: `Basic ${btoa('node:secret')}` },
        [CLOSE.unauthorized],
      ],
      ['Bearer and nothing', 'fuzz-anon-8', { authorization: 'Bearer' }, [CLOSE.unauthorized]],
      [
        'the admin token',
        'fuzz-anon-9',
        { authorization: `Bearer ${'a'.repeat(40)}` },
        [CLOSE.unauthorized],
      ],
      [
        'a token bound to another node id',
        'fuzz-bound-b',
        { authorization: `Bearer ${bound}` },
        [CLOSE.unauthorized, CLOSE.forbidden],
      ],
      [
        'a valid token and a node id with a space',
        'a b',
        { authorization: `Bearer ${bound}` },
        [CLOSE.malformed, CLOSE.unauthorized, CLOSE.forbidden],
      ],
      [
        'a valid token and a 200-character node id',
        'n'.repeat(200),
        { authorization: `Bearer ${bound}` },
        [CLOSE.malformed, CLOSE.unauthorized, CLOSE.forbidden],
      ],
    ];
    const problems: string[] = [];
    const codes: string[] = [];
    for (const [label, nodeId, headers, allowed] of cases) {
      const peer = new NodePeer(f.t.fleet.info.url, nodeId, { ...ATTACKER, ...headers });
      const closed = await peer.waitClosed(5000);
      peer.close();
      codes.push(`${label}: ${closed ? `${closed.code} ${closed.reason}` : 'open'}`);
      if (!closed) problems.push(`${label}: still open after 5 s`);
      else if (!allowed.includes(closed.code))
        problems.push(
          `${label}: closed ${closed.code} "${closed.reason}", target ${allowed.join('|')}`,
        );
      else if (closed.reason.trim() === '')
        problems.push(`${label}: closed ${closed.code} without a reason`);
    }
    console.log(JSON.stringify({ fuzz: 'node-auth', cases: cases.length, closes: codes }, null, 2));
    expect(problems.join('\n')).toBe('');
  }, 60_000);

  it('an API key sent as a node token is refused, and the API key keeps working', async () => {
    const res = await admin('/admin/api-keys', { tenant: 'fuzz', name: 'confused' });
    expect(res.status).toBe(201);
    const { key } = (await res.json()) as { key: string };
    const peer = new NodePeer(f.t.fleet.info.url, 'fuzz-confused-1', {
      authorization: `Bearer ${key}`,
    });
    const closed = await peer.waitClosed(5000);
    peer.close();
    expect(closed?.code).toBe(CLOSE.unauthorized);
    const models = await fetch(new URL('/v1/models', f.t.fleet.info.url), {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(models.status, await models.text()).toBe(200);
  });

  it('a node token sent as an API key is refused, and the node token keeps working', async () => {
    const nodeId = 'fuzz-confused-2';
    const token = await mintNodeToken(nodeId);
    expect((await chatTo('proxima-demo', 5000, token)).status).toBe(401);
    const peer = new NodePeer(f.t.fleet.info.url, nodeId, { authorization: `Bearer ${token}` });
    const welcomed = (await peer.open()) && (await peer.hello(nodeId, ['fuzz-confused-model']));
    peer.close();
    expect(welcomed, JSON.stringify(peer.closed)).toBe(true);
  });

  it('and the real node still serves', async () => {
    expect(await realNodeChat()).toBeGreaterThan(0);
  });
});
