// Chat and vision jobs against a real local node standing in for Foundry: `proxima node --listen`
// serving the demo GGUF (random weights) on its OpenAI-compatible API. No Foundry is reachable
// from here; the node speaks the same API, so the runner's requests and error mapping run for real.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChild, type Child } from '@proxima/local-node/child';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../local-node/src/dev/ports.ts';
import { writeDemoModel } from '../../../local-node/src/model/demo-gguf.ts';
import { createRunners } from './create-runners.ts';
import { job, never, TINY_PNG } from './jobs.testing.ts';
import type { JobRunner } from './runner.ts';

const PROXIMA_BIN = fileURLToPath(new URL('../../../local-node/bin/proxima.ts', import.meta.url));
/** What the node calls the demo model: the "deployment" here. */
const DEPLOYMENT = 'proxima-demo';

let dir = '';
let node: Child | undefined;
let nodeUrl = '';
let runner: JobRunner;

/** Starts `proxima node --listen` on the demo model and resolves with its URL. */
function startLocalNode(modelPath: string): { child: Child; url: Promise<string> } {
  const lines: string[] = [];
  let found: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (found = resolve));
  const child = spawnChild({
    name: 'foundry-stand-in-node',
    command: process.execPath,
    args: [PROXIMA_BIN, 'node', '--listen', '127.0.0.1:0', '--model', modelPath, '--slots', '1'],
    onLine: (line) => {
      lines.push(line);
      try {
        const event = JSON.parse(line) as Record<string, unknown>;
        if (event['event'] === 'local_api.listening') found(String(event['url']));
      } catch {
        // not a log line
      }
    },
  });
  const exited = child.exited.then((code) => {
    throw new Error(`the node exited (${code}): ${lines.slice(-5).join('\n')}`);
  });
  return { child, url: Promise.race([url, exited]) };
}

function runnersOn(baseURL: string, deployments: Record<string, string>): Promise<JobRunner> {
  return createRunners({
    // The local node checks no key; the client needs one to send.
    foundry: {
      baseURL,
      apiKey: 'unchecked-by-the-local-node',
      deployments: new Map(Object.entries(deployments)),
    },
    ocr: { ep: 'cpu' },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-burst-chat-'));
  const { path } = await writeDemoModel(join(dir, 'proxima-demo.gguf'), { seed: 1 });
  const started = startLocalNode(path);
  node = started.child;
  nodeUrl = await started.url;
  runner = await runnersOn(`${nodeUrl}/v1/`, {
    'burst-chat': DEPLOYMENT,
    'burst-missing-deployment': 'no-such-deployment',
  });
}, 120_000);

afterAll(async () => {
  await runner?.close();
  await node?.stop('SIGTERM', 5000);
  await rm(dir, { recursive: true, force: true });
});

const messages = [{ role: 'user' as const, content: 'Tell me about the sea.' }];

describe('chat jobs on a local node standing in for Foundry', () => {
  it("answers a chat.completion under the client's model id, with usage, as the node answered", async () => {
    const result = await runner.run(
      job('chat', {
        model: 'burst-chat',
        request: { messages, max_tokens: 8, temperature: 0 },
      }),
      never,
    );
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const completion = (result as { result: OpenAI.ChatCompletion }).result;
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('burst-chat');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]?.message.role).toBe('assistant');
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(8);
    // Greedy decoding: the node asked directly gives the same text.
    const direct = await new OpenAI({
      baseURL: `${nodeUrl}/v1`,
      apiKey: 'unchecked-by-the-local-node',
      maxRetries: 0,
    }).chat.completions.create({ model: DEPLOYMENT, messages, max_tokens: 8, temperature: 0 });
    expect(completion.choices[0]?.message.content).toBe(direct.choices[0]?.message.content);
    expect(JSON.parse(JSON.stringify(completion))).toEqual(completion);
  });

  it('fails a model without a deployment as model_not_found, naming it, without a retry', async () => {
    const result = await runner.run(
      job('chat', { model: 'not-deployed', request: { messages } }),
      never,
    );
    expect(result).toEqual({
      ok: false,
      code: 'model_not_found',
      message: expect.stringContaining("'not-deployed'") as string,
      retryable: false,
    });
  });

  it("maps the node's 404 for a deployment it does not serve to model_not_found, not retryable", async () => {
    const result = await runner.run(
      job('chat', { model: 'burst-missing-deployment', request: { messages } }),
      never,
    );
    expect(result).toMatchObject({ ok: false, code: 'model_not_found', retryable: false });
    expect(!result.ok && result.message).toMatch(/^Foundry answered 404: .*no-such-deployment/);
  });

  it("maps the node's 400 for image parts (the demo model has no vision) to invalid_request, not retryable", async () => {
    const result = await runner.run(
      job('vision', {
        model: 'burst-chat',
        request: {
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is this?' },
                { type: 'image_url', image_url: { url: TINY_PNG } },
              ],
            },
          ],
        },
      }),
      never,
    );
    expect(result).toMatchObject({ ok: false, code: 'invalid_request', retryable: false });
    expect(!result.ok && result.message).toMatch(/^Foundry answered 400: /);
  });

  it('stops at once on an aborted signal, retryable', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await runner.run(
      job('chat', { model: 'burst-chat', request: { messages, max_tokens: 8 } }),
      controller.signal,
    );
    expect(result).toMatchObject({ ok: false, code: 'internal_error', retryable: true });
  });
});

// freePort's port was free a moment ago, and nothing here listens on it since.
describe('chat jobs on an endpoint nothing listens on', () => {
  it('fail retryably as upstream_error, saying the endpoint could not be reached', async () => {
    const unreachable = await runnersOn(`http://127.0.0.1:${await freePort()}/openai/v1/`, {
      'burst-chat': DEPLOYMENT,
    });
    const result = await unreachable.run(
      job('chat', { model: 'burst-chat', request: { messages } }),
      never,
    );
    await unreachable.close();
    expect(result).toMatchObject({ ok: false, code: 'upstream_error', retryable: true });
    expect(!result.ok && result.message).toMatch(/could not be reached: .*ECONNREFUSED/);
  });
});
