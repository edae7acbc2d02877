import { env } from 'cloudflare:test';
import { DATA_KEY_MIN_CHARS, ProximaError } from '@proxima/core/protocol';
import { describe, expect, it } from 'vitest';
import { dataKeyOf, dataKeysOf } from '../src/crypto/data-key.ts';
import {
  SEALED_VERSION,
  SealedDataError,
  TenantCrypto,
  tenantCrypto,
} from '../src/crypto/tenant-crypto.ts';
import type { Env } from '../src/env.ts';

const testEnv = env as Env;
const SECRET_A = 'secret-a-0123456789abcdefghijklmnopqrstuvwxyz';
const SECRET_B = 'secret-b-0123456789abcdefghijklmnopqrstuvwxyz';
const AAD = 't1/docs/doc-1/0';
const TEXT = 'Chunk text: naïve façade, 日本語, and an emoji 🔐.';
const CANNOT_DECRYPT = /cannot decrypt: wrong DATA_KEY or the data was moved\/tampered with/;

function crypt(secret = SECRET_A, tenant = 't1', previous?: string): TenantCrypto {
  return new TenantCrypto(
    previous === undefined ? { current: secret } : { current: secret, previous },
    tenant,
    'rag',
  );
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('TenantCrypto', () => {
  it('round-trips text and bytes, in the documented layout', async () => {
    const c = crypt();
    const sealed = await c.seal(TEXT, AAD);
    expect(sealed[0]).toBe(SEALED_VERSION);
    // version (1) + IV (12) + ciphertext (same length as the UTF-8 plaintext) + tag (16)
    expect(sealed.byteLength).toBe(1 + 12 + new TextEncoder().encode(TEXT).byteLength + 16);
    expect(await c.openText(sealed, AAD)).toBe(TEXT);
    const bytes = new Uint8Array([0, 1, 2, 255, 254]);
    expect([...(await c.open(await c.seal(bytes, AAD), AAD))]).toEqual([...bytes]);
    expect(await c.openText(await c.seal('', AAD), AAD)).toBe('');
  });

  it('uses a fresh IV on every seal, so equal plaintexts give different ciphertexts', async () => {
    const c = crypt();
    const seals = await Promise.all([1, 2, 3, 4].map(() => c.seal(TEXT, AAD)));
    const hex = seals.map((s) => [...s].map((b) => b.toString(16).padStart(2, '0')).join(''));
    expect(new Set(hex).size).toBe(4);
    expect(new Set(hex.map((h) => h.slice(2, 26))).size).toBe(4);
  });

  it("cannot open another tenant's data, nor data of another purpose", async () => {
    const sealed = await crypt(SECRET_A, 'tenant-a').seal(TEXT, AAD);
    const err = await rejection(crypt(SECRET_A, 'tenant-b').open(sealed, AAD));
    expect(err).toBeInstanceOf(SealedDataError);
    expect((err as Error).message).toMatch(CANNOT_DECRYPT);
    const cache = new TenantCrypto({ current: SECRET_A }, 'tenant-a', 'cache');
    await expect(cache.open(sealed, AAD)).rejects.toThrow(CANNOT_DECRYPT);
  });

  it('refuses a row moved to another place (wrong AAD)', async () => {
    const c = crypt();
    const sealed = await c.seal(TEXT, 't1/docs/doc-1/0');
    await expect(c.open(sealed, 't1/docs/doc-1/1')).rejects.toThrow(CANNOT_DECRYPT);
    await expect(c.open(sealed, 't1/docs/doc-2/0')).rejects.toThrow(CANNOT_DECRYPT);
  });

  it('refuses any flipped bit, in the IV, the ciphertext or the tag', async () => {
    const c = crypt();
    const sealed = await c.seal(TEXT, AAD);
    for (const at of [1, 12, 13, 20, sealed.byteLength - 1]) {
      const altered = sealed.slice();
      altered[at] = altered[at]! ^ 0x01;
      await expect(c.open(altered, AAD)).rejects.toThrow(CANNOT_DECRYPT);
    }
    const versioned = sealed.slice();
    versioned[0] = 2;
    await expect(c.open(versioned, AAD)).rejects.toThrow(/format version 2/);
    await expect(c.open(sealed.subarray(0, 20), AAD)).rejects.toThrow(CANNOT_DECRYPT);
  });

  it('refuses data sealed under another DATA_KEY', async () => {
    const sealed = await crypt(SECRET_A).seal(TEXT, AAD);
    await expect(crypt(SECRET_B).open(sealed, AAD)).rejects.toThrow(CANNOT_DECRYPT);
  });

  it('opens old rows with DATA_KEY_PREVIOUS after a rotation, and seals only with the new key', async () => {
    const old = await crypt(SECRET_A).seal(TEXT, AAD);
    const rotated = crypt(SECRET_B, 't1', SECRET_A);
    expect(await rotated.openText(old, AAD)).toBe(TEXT);
    const fresh = await rotated.seal(TEXT, AAD);
    expect(await crypt(SECRET_B).openText(fresh, AAD)).toBe(TEXT);
    await expect(crypt(SECRET_A).open(fresh, AAD)).rejects.toThrow(CANNOT_DECRYPT);
  });

  it('refuses a tenant name that could blur the key derivation', () => {
    expect(() => crypt(SECRET_A, 'a/b')).toThrow(ProximaError);
  });
});

describe('DATA_KEY', () => {
  it("comes from the Worker's secrets (the test config sets a test-only one)", async () => {
    expect(dataKeyOf(testEnv).length).toBeGreaterThanOrEqual(DATA_KEY_MIN_CHARS);
    const c = await tenantCrypto(testEnv, 't1', 'cache');
    expect(await c.openText(await c.seal(TEXT, AAD), AAD)).toBe(TEXT);
  });

  it('missing or short, refuses with a 503 that says what to set', async () => {
    for (const bad of [{}, { DATA_KEY: '' }, { DATA_KEY: 'x'.repeat(DATA_KEY_MIN_CHARS - 1) }]) {
      const err = await rejection(tenantCrypto(bad, 't1', 'rag'));
      expect(err).toBeInstanceOf(ProximaError);
      expect((err as ProximaError).status).toBe(503);
      expect((err as ProximaError).code).toBe('service_unavailable');
      expect((err as Error).message).toMatch(
        new RegExp(`set the DATA_KEY secret to at least ${DATA_KEY_MIN_CHARS} random characters`),
      );
    }
    expect(() => dataKeyOf({ DATA_KEY: 'x'.repeat(DATA_KEY_MIN_CHARS) })).not.toThrow();
  });

  it('holds DATA_KEY_PREVIOUS to the same rule', () => {
    expect(dataKeysOf({ DATA_KEY: SECRET_A, DATA_KEY_PREVIOUS: '' })).toEqual({
      current: SECRET_A,
    });
    expect(() => dataKeysOf({ DATA_KEY: SECRET_A, DATA_KEY_PREVIOUS: 'short' })).toThrow(
      /DATA_KEY_PREVIOUS has 5 characters/,
    );
  });
});
