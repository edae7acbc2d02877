// The burst tier's settings, its signed requests and its chat jobs, inside workerd.
import { env } from 'cloudflare:test';
import {
  BURST_LIMITS,
  JOB_ID_PATTERN,
  JOBS_PATH,
  parseJob,
  SIGNATURE_HEADER,
  verifyRequest,
  type Mac,
} from '@proxima/core/jobs';
import { parseChatRequest, ProximaError } from '@proxima/core/protocol';
import { describe, expect, it, vi } from 'vitest';
import { chatJob } from '../src/burst/chat.ts';
import { newJobId, signedRequest } from '../src/burst/client.ts';
import {
  burstModelsOf,
  burstSettings,
  requireBurst,
  type BurstConfig,
} from '../src/burst/config.ts';
import { jobFailureError } from '../src/burst/errors.ts';
import { wholeAnswerEvents } from '../src/burst/replay-events.ts';
import type { Env } from '../src/env.ts';

const SECRET = 'a-burst-secret-of-at-least-32-characters!';
const URL_ = 'https://proxima-fn.azurewebsites.net';

type Vars = Readonly<Record<string, string | undefined>>;

function withBurst(vars: Vars): Env {
  return { ...env, AZURE_FUNCTION_URL: URL_, BURST_SECRET: SECRET, ...vars } as unknown as Env;
}

/** An HMAC made here with WebCrypto directly, not by the code under test. */
function independentMac(secret: string): Mac {
  return {
    async sign(message) {
      const key = await crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      return new Uint8Array(await crypto.subtle.sign('HMAC', key, message));
    },
  };
}

describe('burst settings', () => {
  it('are off, without a log line, while AZURE_FUNCTION_URL is unset', () => {
    const error = vi.spyOn(console, 'error');
    expect(burstSettings(env as Env)).toEqual({
      ok: false,
      problem: 'AZURE_FUNCTION_URL is not set',
    });
    expect(burstModelsOf({ ...env, AZURE_BURST_MODELS: 'gpt-4o' } as Env)).toEqual([]);
    expect(() => requireBurst(env as Env)).toThrow(/AZURE_FUNCTION_URL is not set/);
    expect(error).not.toHaveBeenCalled();
    error.mockRestore();
  });

  it('read the URL, the secret, the wait and the models', () => {
    const settings = burstSettings(
      withBurst({
        AZURE_FUNCTION_URL: `${URL_}/`,
        BURST_WAIT_MS: '5000',
        AZURE_BURST_MODELS: 'gpt-4o:vision+tools',
      }),
    );
    expect(settings).toEqual({ ok: true, config: { url: URL_, secret: SECRET, waitMs: 5000 } });
    expect(burstSettings(withBurst({})).ok && requireBurst(withBurst({})).waitMs).toBe(120_000);
    expect(burstModelsOf(withBurst({ AZURE_BURST_MODELS: 'gpt-4o:vision+tools' }))).toEqual([
      { model: 'gpt-4o', capabilities: ['vision', 'tools'] },
    ]);
  });

  it('turn the tier off with one line naming the setting at fault', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const cases: Array<[Vars, RegExp]> = [
      [{ AZURE_FUNCTION_URL: 'http://fn.example.com' }, /^AZURE_FUNCTION_URL: must be https/],
      [
        { BURST_SECRET: 'short' },
        /^BURST_SECRET must be set to at least 32 characters \(it has 5\)/,
      ],
      [{ BURST_SECRET: undefined }, /^BURST_SECRET must be set/],
      [{ BURST_WAIT_MS: 'soon' }, /^BURST_WAIT_MS: /],
    ];
    for (const [vars, problem] of cases) {
      const settings = burstSettings(withBurst(vars));
      expect(settings.ok).toBe(false);
      expect(!settings.ok && settings.problem).toMatch(problem);
      expect(() => requireBurst(withBurst(vars))).toThrow(
        expect.objectContaining({ code: 'service_unavailable', status: 503 }),
      );
    }
    const badModels = withBurst({ AZURE_BURST_MODELS: 'gpt-4o:vison' });
    expect(burstModelsOf(badModels)).toEqual([]);
    // The URL and secret are fine: OCR and transcription still run, only chat routing lost its models.
    expect(burstSettings(badModels).ok).toBe(true);
    const lines = error.mock.calls.map(
      (c) => JSON.parse(String(c[0])) as { event: string; error: string },
    );
    expect(lines.every((l) => l.event === 'burst.invalid')).toBe(true);
    expect(lines.at(-1)?.error).toMatch(/^AZURE_BURST_MODELS\[0\]\.capabilities\[0\]/);
    // Parsed once per value: asking again logs nothing new.
    const count = error.mock.calls.length;
    burstModelsOf(badModels);
    expect(error.mock.calls.length).toBe(count);
    error.mockRestore();
  });
});

describe('burst requests', () => {
  const config: BurstConfig = { url: `${URL_}/base`, secret: SECRET, waitMs: 1000 };

  it('makes job ids the Function App accepts, never the same twice', () => {
    const ids = new Set(Array.from({ length: 200 }, newJobId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(JOB_ID_PATTERN);
  });

  it("signs a POST and a GET so that core's verifyRequest accepts them, and nothing else", async () => {
    const body = new TextEncoder().encode('{"id":"job_0123456789abcdef"}');
    const now = 1_800_000_000_000;
    const post = await signedRequest(config, 'POST', JOBS_PATH, body, now);
    expect(post.url).toBe(`${URL_}/base/api/jobs`);
    const mac = independentMac(SECRET);
    const header = post.headers.get(SIGNATURE_HEADER);
    const req = { method: 'POST', path: '/base/api/jobs', body };
    expect(await verifyRequest(mac, header, now, req)).toEqual({ ok: true, at: now });
    expect(new Uint8Array(await post.arrayBuffer())).toEqual(body);
    expect(await verifyRequest(independentMac(`${SECRET}x`), header, now, req)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(await verifyRequest(mac, header, now, { ...req, path: '/api/jobs' })).toMatchObject({
      reason: 'mismatch',
    });
    const get = await signedRequest(config, 'GET', `${JOBS_PATH}/job_x`, new Uint8Array(0), now);
    expect(get.method).toBe('GET');
    expect(
      await verifyRequest(mac, get.headers.get(SIGNATURE_HEADER), now + BURST_LIMITS.clockSkewMs, {
        method: 'GET',
        path: '/base/api/jobs/job_x',
        body: new Uint8Array(0),
      }),
    ).toEqual({ ok: true, at: now });
  });
});

describe('chat jobs', () => {
  const PNG = 'data:image/png;base64,iVBORw0KGgo=';

  it('is a chat job for text and a vision job for image parts, as parseJob reads them', () => {
    const text = parseChatRequest({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      max_tokens: 8,
    });
    const job = chatJob(newJobId(), 't1', text, []);
    expect(parseJob(job)).toEqual(job);
    expect(job).toMatchObject({
      kind: 'chat',
      input: { model: 'gpt-4o', request: { max_tokens: 8 } },
    });
    expect(job.kind !== 'ocr' && job.kind !== 'transcribe' && 'stream' in job.input.request).toBe(
      false,
    );
    const image = parseChatRequest({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] }],
    });
    expect(chatJob(newJobId(), 't1', image, ['vision']).kind).toBe('vision');
  });

  it("keeps a failed job's client errors, and hides the rest behind the job id", () => {
    const view = (code: string) => ({
      id: 'job_0123456789abcdef',
      status: 'failed' as const,
      result: null,
      error: { code, message: `Foundry said: ${code}` },
    });
    const bad = jobFailureError(view('invalid_request'));
    expect(bad).toMatchObject({
      code: 'invalid_request',
      status: 400,
      message: 'Foundry said: invalid_request',
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    for (const code of ['upstream_error', 'abandoned', 'poisoned', 'internal_error']) {
      const err = jobFailureError(view(code));
      expect(err).toBeInstanceOf(ProximaError);
      expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
      expect(err.message).toContain('job_0123456789abcdef');
      expect(err.message).not.toContain('Foundry said');
    }
    warn.mockRestore();
  });

  it('replays a whole answer as stream events: text pieces, tool calls, then done', async () => {
    const text = 'word '.repeat(40).trim();
    const events = wholeAnswerEvents({
      t: 'done',
      answer: {
        text,
        reasoning: '',
        toolCalls: [{ id: 'call_1', name: 'f', arguments: '{}' }],
        logprobs: null,
      },
      finishReason: 'tool_calls',
      usage: { promptTokens: 3, completionTokens: 5 },
    });
    const seen = [];
    for (let e = await events.next(); e !== null; e = await events.next()) seen.push(e);
    const chunks = seen.filter((e) => e.t === 'chunk');
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.text).join('')).toBe(text);
    expect(chunks.at(-1)).toEqual({
      t: 'chunk',
      text: '',
      toolCalls: [{ id: 'call_1', name: 'f', arguments: '{}', index: 0 }],
    });
    expect(seen.at(-1)).toEqual({
      t: 'done',
      finishReason: 'tool_calls',
      usage: { promptTokens: 3, completionTokens: 5 },
    });
  });
});
