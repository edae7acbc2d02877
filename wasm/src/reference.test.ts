import { referenceKernels } from './reference.ts';
import { runKernelContract } from './kernels.case.ts';

runKernelContract('ts reference', () => referenceKernels, { large: true });
