import { describe, expect, it } from 'vitest';
import { eventually, useTestFleet } from './fleet.ts';

const f = useTestFleet();

/** Node log events about one job, in order. */
function jobEvents(jobId: unknown): Array<Record<string, unknown>> {
  return f.t.events(nodeId()).filter((e) => e['jobId'] === jobId);
}

function nodeId(): string {
  return f.t.fleet.nodes[0]?.nodeId ?? '';
}

/** Sends a chat over real TCP, aborts it 300 ms after the node started it; returns the job id. */
async function abandonedJob(stream: boolean, maxTokens: number): Promise<unknown> {
  const before = f.t.events(nodeId()).length;
  const controller = new AbortController();
  const pending = fetch(`${f.t.fleet.info.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${f.t.fleet.info.apiKey}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      model: 'proxima-demo',
      messages: [{ role: 'user', content: 'Write a long story.' }],
      max_tokens: maxTokens,
      stream,
    }),
    signal: controller.signal,
  }).then((res) => res.text());
  const started = await eventually(() =>
    f.t
      .events(nodeId())
      .slice(before)
      .find((e) => e['event'] === 'job.started'),
  );
  await new Promise((r) => setTimeout(r, 300));
  controller.abort();
  await expect(pending).rejects.toThrow();
  return started['jobId'];
}

describe('a client that goes away (real fleet, real TCP client)', () => {
  it('cancels a streamed job on the node within a second', async () => {
    const jobId = await abandonedJob(true, 4000);
    const abortedAt = Date.now();
    await eventually(() => jobEvents(jobId).find((e) => e['event'] === 'job.cancelled'), 3000);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 500));
    expect(jobEvents(jobId).find((e) => e['event'] === 'job.done')).toBeUndefined();
  });

  // Pins a platform limit the README states: local workerd never tells a handler that has not
  // responded yet that its client left. If this fails, workerd learned to: update the README.
  it('does not cancel a non-streamed job in the local runtime: it runs to max_tokens', async () => {
    const jobId = await abandonedJob(false, 2000);
    const done = await eventually(
      () =>
        jobEvents(jobId).find((e) => e['event'] === 'job.done' || e['event'] === 'job.cancelled'),
      30_000,
    );
    expect(done['event'], 'workerd now reports client disconnects: update the README').toBe(
      'job.done',
    );
  });
});
