import type { Mac } from '@proxima/core/jobs';

/** HMAC-SHA-256 under `secret`, on WebCrypto. */
export function hmacMac(secret: string): Mac {
  let key: Promise<CryptoKey> | null = null;
  return {
    async sign(message) {
      key ??= crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      return new Uint8Array(await crypto.subtle.sign('HMAC', await key, message));
    },
  };
}
