/** WebSocket close codes between a node and the edge (4000–4999 are for applications). */
export const CLOSE = {
  /** The edge is going away or restarting; reconnect. */
  goingAway: 4000,
  /** A message failed validation; the reason names the field. Reconnecting sends it again, so fix the node. */
  malformed: 4400,
  /** The node token was refused. Reconnecting will not help. */
  unauthorized: 4401,
  /** The node speaks a protocol version the edge does not. */
  unsupportedProtocol: 4406,
  /** No hello in time. */
  helloTimeout: 4408,
  /** Another connection took over this node id. */
  replaced: 4409,
} as const;

export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];

/** Codes after which reconnecting with the same settings cannot succeed. */
export function isFatalClose(code: number): boolean {
  return (
    code === CLOSE.unauthorized || code === CLOSE.unsupportedProtocol || code === CLOSE.malformed
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
