/** WebSocket close codes between a node and the edge (4000–4999 are for applications). */
export const CLOSE = {
  /** The edge is going away or restarting; reconnect. */
  goingAway: 4000,
  /** A message failed validation; the reason names the field. Reconnecting sends it again, so fix the node. */
  malformed: 4400,
  /** The node token was refused. Reconnecting will not help. */
  unauthorized: 4401,
  /** The token is valid but not for this node id (or the node announced models it may not serve). */
  forbidden: 4403,
  /** The node speaks a protocol version the edge does not. */
  unsupportedProtocol: 4406,
  /** No hello in time. */
  helloTimeout: 4408,
  /** Another connection took over this node id. */
  replaced: 4409,
  /** Too many failed connects from this address; retry after a pause. */
  rateLimited: 4429,
} as const;

export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];

/**
 * Codes after which reconnecting with the same settings cannot succeed. A malformed-frame close
 * is fatal only before the edge welcomed the node (its hello was refused and would be again);
 * after that it came from one bad frame, and a fresh connection can serve.
 */
export function isFatalClose(code: number, welcomed = false): boolean {
  if (code === CLOSE.malformed) return !welcomed;
  return (
    code === CLOSE.unauthorized || code === CLOSE.forbidden || code === CLOSE.unsupportedProtocol
  );
}

/** Close reasons are limited to 123 bytes by RFC 6455; keep ours well below in UTF-8. */
export function closeReason(text: string): string {
  let out = '';
  for (const ch of text) {
    if (out.length >= 120) break;
    const code = ch.charCodeAt(0);
    out += code >= 0x20 && code <= 0x7e ? ch : '?';
  }
  return out;
}
