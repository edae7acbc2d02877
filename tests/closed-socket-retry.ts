// Node's fetch reuses kept-alive connections, and workerd may close one just as the client sends
// on it: the request fails before any answer, either as "other side closed" (UND_ERR_SOCKET) or,
// when the client's bytes met the closed socket, as a reset (ECONNRESET). That is the client's
// plumbing, not an answer, so the request goes once more on a new connection. Only for requests
// that are safe to send twice; the count lets a report say it happened.

export const closedSocketRetries = { count: 0 };

const RETRYABLE = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);

/**
 * `fetch`, sent again on a new connection when the socket closed before any answer: at most
 * `maxSends` sends in all, waiting 250 ms, then twice as long before each further one.
 */
export async function fetchRetryingClosedSocket(
  url: string | URL,
  init: RequestInit,
  onRetry?: (code: string) => void,
  maxSends = 2,
): Promise<Response> {
  for (let send = 1; ; send++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code === undefined || !RETRYABLE.has(code) || send >= maxSends) throw err;
      closedSocketRetries.count++;
      onRetry?.(code);
      if (send > 1) await new Promise((r) => setTimeout(r, 250 * 2 ** (send - 2)));
    }
  }
}
