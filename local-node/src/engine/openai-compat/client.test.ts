import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAiClient } from './client.ts';

/** A listener that records each request's headers and lists one model. */
const seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model' }] }));
});
let baseUrl = '';
const saved = { ...process.env };

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  // What a machine may have set for OpenAI itself: none of it is for this server.
  Object.assign(process.env, {
    OPENAI_API_KEY: 'sk-for-openai-only',
    OPENAI_ORG_ID: 'org-mine',
    OPENAI_PROJECT_ID: 'proj-mine',
  });
});
afterAll(async () => {
  process.env = saved;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('openAiClient', () => {
  it('sends the given key, nothing from the environment, and nothing about this machine', async () => {
    await openAiClient(baseUrl, 'the-server-key').models.list();
    await openAiClient(baseUrl, undefined).models.list();
    const [keyed, keyless] = seen.slice(-2);
    expect(keyed?.authorization).toBe('Bearer the-server-key');
    expect(keyless?.authorization).toBeUndefined();
    for (const headers of [keyed, keyless]) {
      const names = Object.keys(headers ?? {});
      expect(names.filter((n) => n.startsWith('x-stainless') || n.startsWith('openai-'))).toEqual(
        [],
      );
      expect(JSON.stringify(headers)).not.toMatch(/sk-for-openai-only|org-mine|proj-mine/);
    }
  });
});
