import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';

describe('proxima CLI flag validation', () => {
  let stderr = '';
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    stderr = '';
  });

  function capture() {
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
  }

  it.each([
    [['node', '--model', 'm.gguf'], 'nothing to serve to: pass --edge URL, --listen HOST:PORT'],
    [['node', '--edge', 'http://x'], 'no node token'],
    [['node', '--listen', '127.0.0.1:0'], 'no engine: pass --model'],
    [['node', '--listen', '0.0.0.0:8080', '--model', 'm.gguf'], 'without an API key'],
    [['node', '--listen', '127.0.0.1', '--model', 'm.gguf'], '--listen'],
    [
      [
        'node',
        '--listen',
        '127.0.0.1:0',
        '--model',
        'm.gguf',
        '--prompt-lookup',
        '--draft-model',
        'd.gguf',
      ],
      'pass one',
    ],
    [['node', '--listen', '127.0.0.1:0', '--ocr', '--prompt-lookup'], 'pass --model too'],
    [
      ['node', '--edge', 'http://x', '--model', 'm.gguf', '--slots', 'many'],
      "expected 'auto' or an integer",
    ],
    [['node', '--edge', 'http://x', '--ocr', '--ep', 'tpu'], 'tpu'],
    [
      [
        'node',
        '--edge',
        'http://x',
        '--openai',
        'http://y/v1',
        '--openai-capabilities',
        'tools,flying',
      ],
      'flying',
    ],
    [
      ['node', '--edge', 'http://x', '--ollama', 'http://y', '--ollama-models', 'a,,b'],
      'comma-separated',
    ],
    [['node', '--edge', 'not a url', '--model', 'm.gguf'], 'expected a URL'],
    [['node', '--edge', 'ftp://x', '--model', 'm.gguf'], 'http(s) or ws(s)'],
    [['node', '--edge', 'http://x', '--model', 'm.gguf', '--gpu', 'tpu'], 'tpu'],
    [['node', '--edge', 'http://x', '--model', 'm.gguf', '--slots', '0'], 'integer from 1 to 64'],
    [['node', '--edge', 'http://x', '--model', 'm.gguf', '--node-id', 'a b'], '1-128 characters'],
    [['dev', '--port', '70000'], 'integer from 1 to 65535'],
    [['model', 'demo', '--seed', 'x'], 'integer'],
    [['launch'], "unknown command 'launch'"],
  ])('rejects %j with a clear message', async (argv, message) => {
    capture();
    vi.stubEnv('PROXIMA_NODE_TOKEN', '');
    const code = await main(argv);
    expect(code).not.toBe(0);
    expect(stderr).toContain(message);
  });
});
