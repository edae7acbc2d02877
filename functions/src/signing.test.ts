import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMac, sha256Hex } from './signing.ts';

describe('signing', () => {
  it('is HMAC-SHA-256 under the secret, the same as any other implementation computes', async () => {
    const secret = 'a shared secret of enough length 0123456789';
    const message = new TextEncoder().encode('proxima-v1\n1\nPOST\n/api/jobs\n{}');
    const mac = createMac(secret);
    const want = createHmac('sha256', secret).update(message).digest();
    expect(Buffer.from(await mac.sign(message))).toEqual(want);
    // The key is imported once and reused: a second message signs right too.
    const other = new TextEncoder().encode('another');
    expect(Buffer.from(await mac.sign(other))).toEqual(
      createHmac('sha256', secret).update(other).digest(),
    );
  });

  it('digests a body as lowercase SHA-256 hex', async () => {
    const body = new TextEncoder().encode('{"id":"job_x"}');
    expect(await sha256Hex(body)).toBe(createHash('sha256').update(body).digest('hex'));
  });
});
