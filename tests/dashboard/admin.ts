/** GET `path` with the admin token; throws unless it answers 200. */
export async function adminJson<T>(baseUrl: string, adminToken: string, path: string): Promise<T> {
  const res = await fetch(new URL(path, baseUrl), {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The status of GET /v1/models with `apiKey`: a cheap call that still authenticates the key. */
export async function modelsStatus(baseUrl: string, apiKey: string): Promise<number> {
  const res = await fetch(new URL('/v1/models', baseUrl), {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  await res.arrayBuffer();
  return res.status;
}
