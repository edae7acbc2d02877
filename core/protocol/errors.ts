/**
 * One error type for every boundary. Each code maps to an HTTP status and to OpenAI's error JSON,
 * so the edge, the node's local API and the burst functions answer the same way.
 */

export const ERROR_CODES = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unsupported_parameter: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  forbidden: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  conflict: { status: 409, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  insufficient_quota: { status: 429, type: 'insufficient_quota' },
  no_capacity: { status: 503, type: 'server_error' },
  /** The deployment lacks configuration a feature needs (a missing secret): the operator must act. */
  service_unavailable: { status: 503, type: 'server_error' },
  node_failed: { status: 502, type: 'server_error' },
  /** A service the edge calls (an embeddings API) failed; its own words stay in the edge's log. */
  upstream_error: { status: 502, type: 'server_error' },
  upstream_timeout: { status: 504, type: 'server_error' },
  internal_error: { status: 500, type: 'server_error' },
  /** The client left: nobody reads this answer; recorded in usage and logs only (nginx's 499). */
  client_closed: { status: 499, type: 'invalid_request_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: ErrorCode;
  };
}

export interface ProximaErrorOptions {
  readonly param?: string;
  /** Seconds, sent as Retry-After (429s and 503s). */
  readonly retryAfter?: number;
  /** Extra response headers, e.g. x-ratelimit-* on a 429. */
  readonly headers?: Readonly<Record<string, string>>;
}

export class ProximaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | null;
  readonly retryAfter: number | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, options: ProximaErrorOptions = {}) {
    super(message);
    this.name = 'ProximaError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.param = options.param ?? null;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
  }

  toBody(): ErrorBody {
    return {
      error: {
        message: this.message,
        type: ERROR_CODES[this.code].type,
        param: this.param,
        code: this.code,
      },
    };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Turns anything thrown into a ProximaError; unknown failures become a 500 without leaking details. */
export function toProximaError(err: unknown): ProximaError {
  if (err instanceof ProximaError) return err;
  return new ProximaError('internal_error', 'Internal error.');
}
