import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';

describe('proxima CLI flag validation', () => {
  let stderr = '';
  afterEach(() => {
    vi.restoreAllMocks();
    stderr = '';
  });

  function capture() {
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
  }

  it.each([
    [['node', '--model', 'm.gguf'], "required option '--edge <url>'"],
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
    const code = await main(argv);
    expect(code).not.toBe(0);
    expect(stderr).toContain(message);
  });
});
