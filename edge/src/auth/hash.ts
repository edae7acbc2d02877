export async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
}

/** Secrets are stored and compared only as SHA-256 hex digests. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await sha256(text);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares two secrets in constant time: their digests have equal length whatever the inputs. */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([sha256(a), sha256(b)]);
  return crypto.subtle.timingSafeEqual(da, db);
}

/** A random secret with a readable prefix, e.g. "pxk_…" for API keys, "pxn_…" for node tokens. */
export function newSecret(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let b64 = btoa(String.fromCharCode(...bytes));
  b64 = b64.replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
  return `${prefix}_${b64}`;
}

/** The token after "Bearer ", or undefined. */
export function bearer(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
