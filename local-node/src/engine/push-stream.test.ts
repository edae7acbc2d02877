import { describe, expect, it } from 'vitest';
import { PushStream } from './push-stream.ts';

describe('PushStream', () => {
  it('delivers items pushed before and during iteration, then ends', async () => {
    const stream = new PushStream<string>();
    stream.push('a');
    setTimeout(() => {
      stream.push('b');
      stream.push('c');
      stream.end();
    }, 5);
    const seen: string[] = [];
    for await (const item of stream) seen.push(item);
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});
