import type { Env } from '../../env.ts';
import { readJsonBody } from '../read-json.ts';

/** Admin bodies may be empty (all defaults). */
export async function optionalJson(request: Request, env: Env): Promise<unknown> {
  return request.headers.get('content-length') === '0' || !request.body
    ? {}
    : readJsonBody(request, env);
}
