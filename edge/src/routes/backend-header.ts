import type { Env } from '../env.ts';

/** `x-proxima-backend` (`node:<id>` or `upstream:<name>`) names internal hosts, so it is sent only when the operator opts in. */
export function backendHeaders(env: Env, backend: string): Record<string, string> {
  return env.EXPOSE_BACKEND_HEADER === 'true' ? { 'x-proxima-backend': backend } : {};
}
