/**
 * The caller's address for per-address failure limits. Cloudflare sets CF-Connecting-IP and
 * overwrites any value a client sends; where it is absent (some local runtimes) every caller
 * shares one bucket, which errs on the side of refusing floods.
 */
export function clientAddress(request: Request): string {
  const ip = request.headers.get('cf-connecting-ip');
  return ip && ip.length <= 64 ? ip : 'unknown';
}
