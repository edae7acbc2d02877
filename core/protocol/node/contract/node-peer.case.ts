import { describe, expect, it } from 'vitest';
import {
  encode,
  NODE_PROTOCOL_VERSION,
  type EdgeToNode,
  type JobRequest,
  type NodeToEdge,
} from '../messages.ts';

/**
 * The node side of the protocol, as the edge sees it on the wire. Every node-side peer runs this
 * suite: the real agent (local-node/src/agent/agent.contract.test.ts) and the scripted node the
 * edge's tests talk to (edge/test/scripted-node.contract.test.ts), so the peer the edge is
 * tested against cannot drift from the node it will meet.
 *
 * The peer under test serves CONTRACT_MODEL and answers each job as contractAnswer says.
 */
export const CONTRACT_MODEL = 'contract-model';

export interface ContractAnswer {
  readonly chunks: readonly string[];
  /** Before each chunk. */
  readonly delayMs: number;
}

/** What the peer's engine generates for a job: slow on request, a short fixed answer otherwise. */
export function contractAnswer(request: JobRequest): ContractAnswer {
  if (request.assistantPrefix !== undefined) return { chunks: ['more'], delayMs: 0 };
  const last = request.messages.at(-1)?.content ?? '';
  if (last === 'slow') return { chunks: Array<string>(200).fill('tick '), delayMs: 25 };
  return { chunks: ['a', 'b', 'c'], delayMs: 0 };
}

export interface NodePeerHarness {
  /** Every frame the peer sent, in order. */
  readonly frames: readonly NodeToEdge[];
  /** Delivers a frame from the edge to the peer. */
  sendToPeer(frame: string): void;
  /** The operator drains the node (SIGINT on a real one). */
  drain(): void;
  close(): Promise<void>;
}

export interface NodePeerOptions {
  /** The peer's engine continues an assistant prefix (it announces 'continue'). */
  readonly continues: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(check: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await sleep(10);
  }
}

function job(jobId: string, content: string, over: Partial<JobRequest> = {}): string {
  const message: EdgeToNode = {
    type: 'job',
    jobId,
    request: {
      model: CONTRACT_MODEL,
      messages: [{ role: 'user', content }],
      maxTokens: null,
      temperature: 1,
      topP: 1,
      stop: [],
      seed: null,
      ...over,
    },
  };
  return encode(message);
}

type JobFrame = Extract<NodeToEdge, { jobId: string }>;

function framesOf(h: NodePeerHarness, jobId: string): JobFrame[] {
  return h.frames.filter((f): f is JobFrame => 'jobId' in f && f.jobId === jobId);
}

function endOf(h: NodePeerHarness, jobId: string): JobFrame | undefined {
  return framesOf(h, jobId).find((f) => f.type === 'done' || f.type === 'error');
}

export function nodePeerContract(
  name: string,
  start: (options: NodePeerOptions) => Promise<NodePeerHarness>,
): void {
  describe(`node peer contract: ${name}`, { timeout: 20_000 }, () => {
    /** A peer that said hello and got its welcome, beating every `heartbeatMs`. */
    async function welcomed(options: NodePeerOptions = { continues: true }, heartbeatMs = 60_000) {
      const h = await start(options);
      await waitFor(() => h.frames.find((f) => f.type === 'hello'), 'hello');
      h.sendToPeer(encode({ type: 'welcome', protocol: NODE_PROTOCOL_VERSION, heartbeatMs }));
      return h;
    }

    it('opens with a hello in the current protocol, naming its model and features', async () => {
      for (const continues of [true, false]) {
        const h = await start({ continues });
        try {
          const hello = await waitFor(() => h.frames[0], 'first frame');
          expect(hello.type).toBe('hello');
          if (hello.type !== 'hello') return;
          expect(hello.protocol).toBe(NODE_PROTOCOL_VERSION);
          expect(hello.models.map((m) => m.id)).toContain(CONTRACT_MODEL);
          expect(hello.features?.includes('continue') ?? false).toBe(continues);
          expect(hello.features).toContain('flow');
        } finally {
          await h.close();
        }
      }
    });

    it('beats at the interval its welcome names', async () => {
      const h = await welcomed({ continues: true }, 100);
      try {
        await waitFor(
          () => (h.frames.filter((f) => f.type === 'heartbeat').length >= 3 ? true : undefined),
          'three heartbeats',
          3000,
        );
      } finally {
        await h.close();
      }
    });

    it('streams a job as chunks numbered from 0, then one done, then nothing', async () => {
      const h = await welcomed();
      try {
        h.sendToPeer(job('j1', 'hi'));
        await waitFor(() => endOf(h, 'j1'), 'end of j1');
        await sleep(100);
        const frames = framesOf(h, 'j1');
        expect(frames.map((f) => f.type)).toEqual(['chunk', 'chunk', 'chunk', 'done']);
        expect(frames.map((f) => ('seq' in f ? f.seq : -1))).toEqual([0, 1, 2, 3]);
        expect(frames.map((f) => (f.type === 'chunk' ? f.text : '')).join('')).toBe('abc');
      } finally {
        await h.close();
      }
    });

    it('numbers each job on its own', async () => {
      const h = await welcomed();
      try {
        h.sendToPeer(job('j2', 'hi'));
        h.sendToPeer(job('j3', 'hi'));
        await waitFor(() => endOf(h, 'j2') && endOf(h, 'j3'), 'both ends');
        for (const id of ['j2', 'j3']) {
          expect(framesOf(h, id).map((f) => ('seq' in f ? f.seq : -1))).toEqual([0, 1, 2, 3]);
        }
      } finally {
        await h.close();
      }
    });

    it('stops a cancelled job: nothing more for it after a short grace', async () => {
      const h = await welcomed();
      try {
        h.sendToPeer(job('j4', 'slow'));
        await waitFor(() => framesOf(h, 'j4')[0], 'first chunk of j4');
        h.sendToPeer(encode({ type: 'cancel', jobId: 'j4', reason: 'client went away' }));
        await sleep(200);
        const settled = framesOf(h, 'j4').length;
        await sleep(300);
        expect(framesOf(h, 'j4')).toHaveLength(settled);
        expect(endOf(h, 'j4')).toBeUndefined();
      } finally {
        await h.close();
      }
    });

    it('holds a paused job’s output until it is resumed', async () => {
      const h = await welcomed();
      try {
        h.sendToPeer(job('j11', 'slow'));
        await waitFor(() => framesOf(h, 'j11')[0], 'first chunk of j11');
        h.sendToPeer(encode({ type: 'pause', jobId: 'j11' }));
        await sleep(200);
        const held = framesOf(h, 'j11').length;
        await sleep(300);
        expect(framesOf(h, 'j11')).toHaveLength(held);
        h.sendToPeer(encode({ type: 'resume', jobId: 'j11' }));
        await waitFor(
          () => (framesOf(h, 'j11').length > held ? true : undefined),
          'output after resume',
        );
        const seqs = framesOf(h, 'j11').map((f) => ('seq' in f ? f.seq : -1));
        expect(seqs).toEqual(seqs.map((_, i) => i)); // nothing lost or repeated across the pause
        h.sendToPeer(encode({ type: 'cancel', jobId: 'j11', reason: 'done testing' }));
      } finally {
        await h.close();
      }
    });

    it('ignores a second job frame with a running id', async () => {
      const h = await welcomed();
      try {
        h.sendToPeer(job('j5', 'slow'));
        await waitFor(() => framesOf(h, 'j5')[0], 'first chunk of j5');
        h.sendToPeer(job('j5', 'slow'));
        await sleep(300);
        const seqs = framesOf(h, 'j5').map((f) => ('seq' in f ? f.seq : -1));
        expect(new Set(seqs).size).toBe(seqs.length);
        expect(framesOf(h, 'j5').some((f) => f.type === 'error')).toBe(false);
        h.sendToPeer(encode({ type: 'cancel', jobId: 'j5', reason: 'done testing' }));
      } finally {
        await h.close();
      }
    });

    it('refuses a job for a model it does not serve', async () => {
      const h = await welcomed();
      try {
        h.sendToPeer(job('j6', 'hi', { model: 'not-here' }));
        const end = await waitFor(() => endOf(h, 'j6'), 'end of j6');
        expect(end).toMatchObject({ type: 'error', code: 'model_not_served' });
      } finally {
        await h.close();
      }
    });

    it('fails only the job whose frame it cannot parse, and takes the next', async () => {
      const h = await welcomed();
      try {
        h.sendToPeer('{"type":"job","jobId":"bad-1","request":{"model":7}}');
        const end = await waitFor(() => endOf(h, 'bad-1'), 'end of bad-1');
        expect(end).toMatchObject({ type: 'error', code: 'invalid_job' });
        h.sendToPeer(job('j7', 'hi'));
        expect(await waitFor(() => endOf(h, 'j7'), 'end of j7')).toMatchObject({ type: 'done' });
      } finally {
        await h.close();
      }
    });

    it('continues an assistant prefix only when it announced that it can', async () => {
      for (const continues of [true, false]) {
        const h = await welcomed({ continues });
        try {
          h.sendToPeer(job('j8', 'hi', { assistantPrefix: 'so far' }));
          const end = await waitFor(() => endOf(h, 'j8'), 'end of j8');
          if (continues) {
            expect(end.type).toBe('done');
            const text = framesOf(h, 'j8').map((f) => (f.type === 'chunk' ? f.text : ''));
            expect(text.join('')).toBe('more');
          } else {
            expect(end).toMatchObject({ type: 'error', code: 'continue_unsupported' });
          }
        } finally {
          await h.close();
        }
      }
    });

    it('draining: says so, finishes what runs, and refuses new jobs', async () => {
      const h = await welcomed();
      try {
        h.sendToPeer(job('j9', 'slow'));
        await waitFor(() => framesOf(h, 'j9')[0], 'first chunk of j9');
        h.drain();
        await waitFor(() => h.frames.find((f) => f.type === 'drain'), 'drain');
        h.sendToPeer(job('j10', 'hi'));
        expect(await waitFor(() => endOf(h, 'j10'), 'end of j10')).toMatchObject({
          type: 'error',
          code: 'draining',
        });
        expect(endOf(h, 'j9')).toBeUndefined(); // still running
        h.sendToPeer(encode({ type: 'cancel', jobId: 'j9', reason: 'done testing' }));
      } finally {
        await h.close();
      }
    });
  });
}
