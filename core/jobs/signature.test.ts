import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BURST_LIMITS } from './limits.ts';
import {
  signRequest,
  signedMessage,
  verifyRequest,
  type Mac,
  type SignedRequest,
} from './signature.ts';

function macOf(secret: string): Mac {
  return {
    sign: (m) => Promise.resolve(new Uint8Array(createHmac('sha256', secret).update(m).digest())),
  };
}

const mac = macOf('a shared secret of enough length 0123456789');
const req: SignedRequest = {
  method: 'POST',
  path: '/api/jobs',
  body: new TextEncoder().encode('{"id":"job_x"}'),
};
const T = 1_800_000_000_000;

describe('burst job signatures', () => {
  it('verifies what it signed, within the clock skew either way', async () => {
    const header = await signRequest(mac, T, req);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    for (const now of [T, T + BURST_LIMITS.clockSkewMs, T - BURST_LIMITS.clockSkewMs])
      expect(await verifyRequest(mac, header, now, req)).toEqual({ ok: true, at: T });
  });

  it('matches HMAC-SHA-256 over the documented message, so another implementation can sign', async () => {
    const header = await signRequest(mac, T, req);
    const message = `proxima-v1\n${T}\nPOST\n/api/jobs\n{"id":"job_x"}`;
    expect(new TextDecoder().decode(signedMessage(T, req))).toBe(message);
    const want = createHmac('sha256', 'a shared secret of enough length 0123456789')
      .update(message)
      .digest('hex');
    expect(header).toBe(`t=${T},v1=${want}`);
  });

  it('refuses a replay outside the window, and any change of time, method, path, body or key', async () => {
    const header = await signRequest(mac, T, req);
    const late = await verifyRequest(mac, header, T + BURST_LIMITS.clockSkewMs + 1, req);
    expect(late).toMatchObject({ ok: false, reason: 'stale' });
    const early = await verifyRequest(mac, header, T - BURST_LIMITS.clockSkewMs - 1, req);
    expect(early).toMatchObject({ ok: false, reason: 'stale' });
    const forged = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(await verifyRequest(mac, forged, T, req)).toMatchObject({ reason: 'mismatch' });
    const others: SignedRequest[] = [
      { ...req, method: 'PUT' },
      { ...req, path: '/api/callback' },
      { ...req, body: new TextEncoder().encode('{"id":"job_y"}') },
    ];
    for (const other of others)
      expect(await verifyRequest(mac, header, T, other)).toMatchObject({ reason: 'mismatch' });
    expect(await verifyRequest(macOf('another secret entirely'), header, T, req)).toMatchObject({
      reason: 'mismatch',
    });
  });

  it('names a missing or malformed header', async () => {
    expect(await verifyRequest(mac, null, T, req)).toMatchObject({ reason: 'missing' });
    expect(await verifyRequest(mac, '', T, req)).toMatchObject({ reason: 'missing' });
    for (const bad of ['t=1', 'v1=ab', `t=${T},v1=XYZ`, `t=-1,v1=${'a'.repeat(64)}`])
      expect(await verifyRequest(mac, bad, T, req)).toMatchObject({ reason: 'malformed' });
  });
});
