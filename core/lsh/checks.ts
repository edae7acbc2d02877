// Input checks shared by every kernel implementation so that they fail alike.
import { LshError } from './errors.ts';

type Floats = Float32Array | Float64Array | readonly number[];

export function hasNonFinite(v: Floats): boolean {
  for (let i = 0; i < v.length; i++) {
    const x = v[i] ?? 0;
    if (x - x !== 0) return true;
  }
  return false;
}

export function rejectNonFinite(what: string, v: Floats): void {
  if (hasNonFinite(v)) throw nonFinite(what);
}

export function nonFinite(what: string): LshError {
  return new LshError(
    'non_finite',
    `${what} contains NaN or Infinity; kernels accept finite values only`,
  );
}

export function sameLength(what: string, a: { length: number }, b: { length: number }): void {
  if (a.length !== b.length) {
    throw new LshError('shape', `${what}: length ${a.length} does not match ${b.length}`);
  }
}

/** Checks a row-major matrix and returns its row count. */
export function rowCount(what: string, total: number, width: number): number {
  if (width === 0) {
    if (total !== 0) throw new LshError('shape', `${what}: rows given for a zero-width query`);
    return 0;
  }
  if (total % width !== 0) {
    throw new LshError(
      'shape',
      `${what}: ${total} values is not a whole number of rows of ${width}`,
    );
  }
  return total / width;
}

export function checkOut(what: string, out: { length: number }, needed: number): void {
  if (out.length < needed) {
    throw new LshError('shape', `${what}: output holds ${out.length}, needs ${needed}`);
  }
}

export function checkScale(what: string, s: number): void {
  if (!Number.isFinite(s)) throw nonFinite(what);
}

export function checkBits(bits: number, dim: number, planes: number): void {
  if (!Number.isInteger(bits) || bits < 1) {
    throw new LshError('shape', `simhash: bits must be a positive integer, got ${bits}`);
  }
  if (planes !== bits * dim) {
    throw new LshError('shape', `simhash: planes has ${planes} values, expected ${bits}×${dim}`);
  }
}

/** The dimension of `bits` hyperplanes held in `planes` values (a whole number of rows). */
export function planesDim(bits: number, planes: number): number {
  checkBits(bits, 0, 0); // the bits rule only
  const dim = planes / bits;
  if (!Number.isInteger(dim)) {
    throw new LshError('shape', `simhash: ${planes} plane values are not ${bits} whole rows`);
  }
  return dim;
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 0)
    throw new LshError('shape', `topK: k must be a non-negative integer, got ${k}`);
}
