/** Admin calls the dev runner makes to give each node a token bound to its id. */

interface TokenView {
  readonly id: string;
  readonly nodeId: string | null;
}

async function admin(url: string, adminToken: string, path: string, init: RequestInit = {}) {
  return fetch(new URL(path, url), {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
  });
}

/**
 * Registers `token` for `nodeId`. Already registered (an earlier run on this state) is fine; a
 * different token bound to that id (secrets.json was deleted, the edge state kept) is revoked and
 * replaced, since the dev runner owns these nodes.
 */
export async function ensureNodeToken(
  url: string,
  adminToken: string,
  nodeId: string,
  token: string,
): Promise<void> {
  const create = () =>
    admin(url, adminToken, '/admin/node-tokens', {
      method: 'POST',
      body: JSON.stringify({ token, nodeId, name: nodeId.slice(0, 64).replace(/:/g, '-') }),
    });
  let res = await create();
  if (res.status === 409) {
    const body = (await res.json()) as { error?: { param?: string | null } };
    if (body.error?.param !== 'nodeId') return; // this very token is registered already
    const list = await admin(url, adminToken, '/admin/node-tokens');
    const { tokens } = (await list.json()) as { tokens: TokenView[] };
    const stale = tokens.find((t) => t.nodeId === nodeId);
    if (stale) await admin(url, adminToken, `/admin/node-tokens/${stale.id}`, { method: 'DELETE' });
    res = await create();
  }
  if (!res.ok)
    throw new Error(`registering the token of ${nodeId} failed: ${res.status} ${await res.text()}`);
}
