import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';
import {
  startEdgeRuntime,
  type EdgeRuntime,
  type EdgeRuntimeOptions,
} from '../../dev/edge-runtime.ts';

export interface RealEdge {
  /**
   * Points the CLI at the edge (PROXIMA_EDGE, and the admin token as PROXIMA_ADMIN_TOKEN, both
   * kept until the describe's tests end) and returns the edge; throws if it did not start.
   */
  useFromCli(): EdgeRuntime;
}

/**
 * The REAL edge for the enclosing describe: the Worker bundled and run in local workerd
 * (Miniflare) as `proxima dev` runs it, on a free port, with `adminToken` and its storage in a
 * new temporary directory whose name starts with `prefix`. Started before the tests (up to 30 s);
 * after them the stubbed variables are restored, the edge stopped and the directory removed.
 * "After" hooks run in reverse order (vitest's sequence.hooks 'stack'), so an afterAll the
 * describe registers after this call runs while the edge is still up.
 */
export function useRealEdge(
  prefix: string,
  adminToken: string,
  options: Pick<EdgeRuntimeOptions, 'bindings' | 'onLine'> = {},
): RealEdge {
  let dir = '';
  let edge: EdgeRuntime | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    edge = await startEdgeRuntime({ port: 0, persistDir: dir, adminToken, ...options });
  }, 30_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await edge?.stop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  return {
    useFromCli() {
      if (!edge) throw new Error('the edge did not start');
      vi.stubEnv('PROXIMA_EDGE', edge.url);
      vi.stubEnv('PROXIMA_ADMIN_TOKEN', adminToken);
      return edge;
    },
  };
}
