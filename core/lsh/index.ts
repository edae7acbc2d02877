export type { TopK, VectorKernels } from './kernels.ts';
export { LshError, type LshErrorCode } from './errors.ts';
export {
  checkBits,
  checkK,
  checkOut,
  checkScale,
  hasNonFinite,
  nonFinite,
  rejectNonFinite,
  rowCount,
  sameLength,
} from './checks.ts';
