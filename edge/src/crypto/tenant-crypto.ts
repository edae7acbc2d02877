import { ID_PATTERN, ID_RULE, ProximaError } from '@proxima/core/protocol';
import { sha256Hex } from '../auth/hash.ts';
import type { Env } from '../env.ts';
import { TtlCache } from '../ttl-cache.ts';
import { dataKeysOf, type DataKeys } from './data-key.ts';

/**
 * Encryption at rest of tenant data (RAG chunk text, cached answers) with AES-256-GCM.
 *
 * Keys: HKDF-SHA-256 over the DATA_KEY secret, with the fixed salt below and the info string
 * `proxima/v1/tenant/<tenant>/<purpose>`, so every tenant and every use has its own key and none
 * is ever stored. Sealed format: version byte (1) ‖ 12-byte random IV ‖ ciphertext with its tag.
 * The AAD names the row's place (e.g. `tenant/namespace/documentId/chunkIndex`): a row copied
 * elsewhere fails to open instead of showing another tenant's or document's text.
 *
 * Rotating DATA_KEY: set DATA_KEY_PREVIOUS to the old value and DATA_KEY to a new one, then deploy.
 * New rows are sealed with the new key; old rows still open through the previous one. Old rows are
 * NOT re-encrypted automatically: they stay under the old key until rewritten (documents
 * re-ingested, cached answers expired). Remove DATA_KEY_PREVIOUS only when none are left, or the
 * rows still under it can no longer be read.
 */

export type CryptoPurpose = 'rag' | 'cache';

/** Fixed and versioned: changing it changes every derived key (a new version, never an edit). */
export const HKDF_SALT = 'proxima/hkdf-salt/v1';
export const SEALED_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES;

/** Opening failed: the data cannot be trusted, so nothing of it is returned. */
export class SealedDataError extends Error {
  override readonly name = 'SealedDataError';
}

const DECRYPT_FAILED = 'cannot decrypt: wrong DATA_KEY or the data was moved/tampered with';

const utf8 = new TextEncoder();

// Derived keys per isolate, keyed by a hash of the secret (never the secret itself). The TTL lets
// keys of a rotated-away secret fall out; a rejected derivation is dropped so it can be retried.
const derivedKeys = new TtlCache<Promise<CryptoKey>>({
  ttlMs: 60 * 60 * 1000,
  maxEntries: 1024,
  maxBytes: 1024 * 1024,
});

export function hkdfInfo(tenant: string, purpose: CryptoPurpose): string {
  return `proxima/v1/tenant/${tenant}/${purpose}`;
}

async function deriveKey(
  secret: string,
  tenant: string,
  purpose: CryptoPurpose,
): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey('raw', utf8.encode(secret), 'HKDF', false, [
    'deriveKey',
  ]);
  return crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: utf8.encode(HKDF_SALT),
      info: utf8.encode(hkdfInfo(tenant, purpose)),
    },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

async function tenantKey(
  secret: string,
  tenant: string,
  purpose: CryptoPurpose,
): Promise<CryptoKey> {
  const cacheKey = `${await sha256Hex(secret)}/${tenant}/${purpose}`;
  const now = Date.now();
  const cached = derivedKeys.get(cacheKey, now);
  if (cached) return cached;
  const derived = deriveKey(secret, tenant, purpose);
  derivedKeys.set(cacheKey, derived, now);
  void derived.catch(() => derivedKeys.delete(cacheKey));
  return derived;
}

export class TenantCrypto {
  readonly tenant: string;
  readonly purpose: CryptoPurpose;
  private readonly keys: DataKeys;

  constructor(keys: DataKeys, tenant: string, purpose: CryptoPurpose) {
    // The tenant goes into the HKDF info; the id rule keeps '/' out, so info strings cannot collide.
    if (!ID_PATTERN.test(tenant)) {
      throw new ProximaError('invalid_request', `tenant must be ${ID_RULE}.`, { param: 'tenant' });
    }
    this.keys = keys;
    this.tenant = tenant;
    this.purpose = purpose;
  }

  /** Derives (or finds cached) the current key now, so a broken setup fails before any work. */
  async ready(): Promise<this> {
    await tenantKey(this.keys.current, this.tenant, this.purpose);
    return this;
  }

  /** Always under the current key, with a fresh random IV. */
  async seal(plaintext: string | Uint8Array, aad: string): Promise<Uint8Array> {
    const key = await tenantKey(this.keys.current, this.tenant, this.purpose);
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const data = typeof plaintext === 'string' ? utf8.encode(plaintext) : plaintext;
    const ciphertext = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: utf8.encode(aad) },
      key,
      data,
    );
    const out = new Uint8Array(HEADER_BYTES + ciphertext.byteLength);
    out[0] = SEALED_VERSION;
    out.set(iv, 1);
    out.set(new Uint8Array(ciphertext), HEADER_BYTES);
    return out;
  }

  /** Tries the current key, then DATA_KEY_PREVIOUS; throws SealedDataError if neither opens it. */
  async open(sealed: Uint8Array, aad: string): Promise<Uint8Array> {
    if (sealed.byteLength < HEADER_BYTES + TAG_BYTES) {
      throw new SealedDataError(`${DECRYPT_FAILED} (only ${sealed.byteLength} bytes)`);
    }
    if (sealed[0] !== SEALED_VERSION) {
      throw new SealedDataError(
        `${DECRYPT_FAILED} (format version ${sealed[0]}, this build reads ${SEALED_VERSION})`,
      );
    }
    const iv = sealed.subarray(1, HEADER_BYTES);
    const ciphertext = sealed.subarray(HEADER_BYTES);
    const additionalData = utf8.encode(aad);
    const secrets =
      this.keys.previous === undefined
        ? [this.keys.current]
        : [this.keys.current, this.keys.previous];
    for (const secret of secrets) {
      const key = await tenantKey(secret, this.tenant, this.purpose);
      try {
        const plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv, additionalData },
          key,
          ciphertext,
        );
        return new Uint8Array(plain);
      } catch {
        // Wrong key, wrong AAD or altered bytes look the same to GCM: try the next key.
      }
    }
    throw new SealedDataError(DECRYPT_FAILED);
  }

  async openText(sealed: Uint8Array, aad: string): Promise<string> {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      await this.open(sealed, aad),
    );
  }
}

/** The tenant's crypto from the Worker's secrets; a 503 when DATA_KEY is missing or short. */
export async function tenantCrypto(
  env: Pick<Env, 'DATA_KEY' | 'DATA_KEY_PREVIOUS'>,
  tenant: string,
  purpose: CryptoPurpose,
): Promise<TenantCrypto> {
  return await new TenantCrypto(dataKeysOf(env), tenant, purpose).ready();
}
