// One error type for kernels and the index, with a code callers can branch on.

export type LshErrorCode =
  'non_finite' | 'shape' | 'out_of_memory' | 'bad_params' | 'corrupt' | 'unknown_id';

export class LshError extends Error {
  readonly code: LshErrorCode;
  constructor(code: LshErrorCode, message: string) {
    super(message);
    this.name = 'LshError';
    this.code = code;
  }
}
