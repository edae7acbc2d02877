// The shared secret as core's `Mac` (HMAC-SHA-256 over WebCrypto, as the edge does), and the
// SHA-256 digest that binds a job id to its body.
import type { Mac } from '@proxima/core/jobs';

export function createMac(secret: string): Mac {
  // Imported once, on first use: importKey is async and this runs at module load.
  let key: ReturnType<typeof globalThis.crypto.subtle.importKey> | null = null;
  return {
    async sign(message) {
      key ??= globalThis.crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      return new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', await key, message));
    },
  };
}

/** SHA-256 of `bytes`, as 64 lowercase hex digits. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
