import type { ErrorClass, RouteGroup } from './limits.ts';

const PREFIXES: readonly (readonly [string, RouteGroup])[] = [
  ['/v1/chat/', 'chat'],
  ['/v1/completions', 'completions'],
  ['/v1/embeddings', 'embeddings'],
  ['/v1/rag/', 'rag'],
  ['/v1/cache', 'cache'],
  ['/v1/ocr', 'ocr'],
  ['/v1/audio/', 'transcriptions'],
  ['/v1/models', 'models'],
  ['/api/', 'ollama'],
  ['/node/', 'node'],
  ['/admin/', 'admin'],
  ['/metrics', 'metrics'],
  ['/dashboard', 'dashboard'],
  ['/healthz', 'health'],
];

/** The route group of a request path: a fixed, small label set whatever the path holds. */
export function routeGroup(path: string): RouteGroup {
  for (const [prefix, group] of PREFIXES) if (path.startsWith(prefix)) return group;
  return 'other';
}

export function statusClass(status: number): string {
  if (status >= 100 && status < 600) return `${Math.floor(status / 100)}xx`;
  return 'other';
}

/** The error class of a status; null for a success. */
export function errorClass(status: number): ErrorClass | null {
  if (status < 400) return null;
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status === 499) return 'client_closed';
  if (status === 502 || status === 503 || status === 504) return 'backend';
  if (status >= 500) return 'server';
  return 'client';
}
