import { DASHBOARD_ACTION_HEADER } from '@proxima/core/dashboard';

/** A refused or failed dashboard API call, with the server's message when it gave one. */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  /** A state-changing call: it carries the action header the edge requires against CSRF. */
  send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

async function messageOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: unknown } };
    const message = body.error?.message;
    if (typeof message === 'string' && message !== '') return message;
  } catch {
    // Not JSON: fall back to the status line.
  }
  return `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
}

/** The page's only way to the API; any 401 calls `onUnauthorized` (back to the login form). */
export function createApi(onUnauthorized: () => void): Api {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method !== 'GET') headers[DASHBOARD_ACTION_HEADER] = '1';
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) {
      const error = new ApiError(res.status, await messageOf(res));
      if (res.status === 401) onUnauthorized();
      throw error;
    }
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
  return {
    get: (path) => call('GET', path),
    send: (method, path, body) => call(method, path, body),
  };
}

/** A sentence for any thrown value. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
