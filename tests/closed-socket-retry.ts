// Node's fetch reuses kept-alive connections, and workerd may close one just as the client sends
// on it: the request fails with "other side closed" (UND_ERR_SOCKET) before it reached the edge.
// That is the client's plumbing, not an answer, so the request goes once more on a new connection.
// Only for requests that are safe to send twice; the count lets a report say it happened.

export const closedSocketRetries = { count: 0 };

export async function fetchRetryingClosedSocket(
  url: string | URL,
  init: RequestInit,
): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code !== 'UND_ERR_SOCKET') throw err;
    closedSocketRetries.count++;
    return fetch(url, init);
  }
}
