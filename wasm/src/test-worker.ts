// A tiny Worker used by the workerd tests: loads the kernels the way a real Worker does.
import { loadKernels } from './workers.ts';

export default {
  fetch(): Response {
    const k = loadKernels();
    return Response.json({
      kernels: k.name,
      dot: k.dotF32(Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6)),
    });
  },
};
