// Public API of @proxima/core/lsh: kernels contract, LSH index, combined IVF partitioning, snapshots.
export type { SimHasher, TopK, VectorKernels } from './kernels.ts';
export { LshError, type LshErrorCode } from './errors.ts';
export {
  checkBits,
  checkK,
  checkOut,
  checkScale,
  hasNonFinite,
  nonFinite,
  planesDim,
  rejectNonFinite,
  rowCount,
  sameLength,
} from './checks.ts';
export { type Rng, seededRng, gaussian, randomHyperplanes } from './prng.ts';
export {
  type LshParams,
  type ChooseOptions,
  type CostOptions,
  chooseParams,
  chooseParamsByCost,
  SEARCH_COSTS_NS,
  validateParams,
  bitCollision,
} from './params.ts';
export { probeKeys } from './probes.ts';
export { LshIndex, keyOf, type SearchOptions, type SearchStats } from './lsh-index.ts';
export { IvfIndex, type IvfParams, type IvfSearchOptions, type SketchParams } from './ivf-index.ts';
export { trainCentroids, assignRows } from './kmeans.ts';
export type { Hits } from './rerank.ts';
export {
  serializeIndex,
  deserializeIndex,
  toRows,
  fromRows,
  fnv1a,
  MAX_ROW_BYTES,
} from './serialize.ts';
export { serializeIvf, deserializeIvf } from './serialize-ivf.ts';
export { tuneToRecall, recallOf, chooseCells, type TunePoint } from './tune.ts';
