/**
 * A lane of the failover harness: one model, the counting nodes that serve it (each a process
 * behind its own proxy) and the upstream mapped to it. Lanes share the edge but not backends, so
 * a fault in one lane is invisible to the others and lanes run their rounds side by side.
 */
import type { CountingUpstream } from './counting-upstream.ts';
import type { FailoverEdge, NodeStatus } from './edge.ts';
import type { NodeProcess } from './node-process.ts';

const POLL_MS = 100;
/** Welcomed and unlisted this long (plus 2 s): stranded. A gone node's session closes at 3. */
const STRANDED_AFTER_INTERVALS = 6;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Lane {
  readonly index: number;
  readonly model: string;
  /** Its upstream's name in UPSTREAMS: the backend is `upstream:<name>`. */
  readonly upstreamName: string;
  readonly nodes: readonly NodeProcess[];
  readonly edge: FailoverEdge;
  readonly upstream: CountingUpstream;
  /**
   * Nodes found stranded: the agent is welcomed and beating on an open session, yet the sentinel
   * has not listed it for a long while, so it gets no work and never redials. An edge fault (see
   * docs/design/0013, "Failover tests"); the harness counts it and restarts the node.
   */
  readonly stranded: string[] = [];
  private readonly heartbeatMs: number;
  private readonly onStranded: (nodeId: string) => void;

  constructor(
    index: number,
    nodes: readonly NodeProcess[],
    edge: FailoverEdge,
    upstream: CountingUpstream,
    heartbeatMs: number,
    onStranded: (nodeId: string) => void = () => undefined,
  ) {
    this.index = index;
    this.heartbeatMs = heartbeatMs;
    this.onStranded = onStranded;
    this.model = laneModel(index);
    this.upstreamName = laneUpstream(index);
    this.nodes = nodes;
    this.edge = edge;
    this.upstream = upstream;
  }

  node(nodeId: string): NodeProcess | undefined {
    return this.nodes.find((n) => n.nodeId === nodeId);
  }

  /**
   * Waits until every node of the lane runs and the sentinel lists it connected and healthy;
   * returns that view. Throws after `timeoutMs`, naming the nodes that are not.
   */
  async ready(timeoutMs: number): Promise<Map<string, NodeStatus>> {
    const deadline = performance.now() + timeoutMs;
    const unlisted = new Map<NodeProcess, number>();
    for (;;) {
      const nodes = await this.edge.nodes();
      const now = performance.now();
      const late = this.nodes.filter((n) => {
        const s = nodes.get(n.nodeId);
        return !n.running || !s?.connected || s.health !== 'healthy';
      });
      if (late.length === 0) return nodes;
      for (const n of this.nodes) {
        if (!n.running || n.link !== 'connected' || nodes.get(n.nodeId)?.connected) {
          unlisted.delete(n);
          continue;
        }
        const since = unlisted.get(n) ?? now;
        unlisted.set(n, since);
        if (now - since > STRANDED_AFTER_INTERVALS * this.heartbeatMs + 2000) {
          this.stranded.push(n.nodeId);
          this.onStranded(n.nodeId);
          unlisted.delete(n);
          await n.respawn();
        }
      }
      if (performance.now() > deadline) {
        const why = late.map((n) => {
          const s = nodes.get(n.nodeId);
          return `${n.nodeId} (${n.running ? 'running' : 'not running'}, ${s?.connected ? (s.health ?? 'no health') : 'not connected'})`;
        });
        throw new Error(`lane ${this.index}: not ready after ${timeoutMs} ms: ${why.join(', ')}`);
      }
      await sleep(POLL_MS);
    }
  }

  /** Waits until some node of the lane is listed connected and healthy. */
  async anyHealthy(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const nodes = await this.edge.nodes();
      if (this.nodes.some((n) => nodes.get(n.nodeId)?.health === 'healthy')) return;
      if (performance.now() > deadline)
        throw new Error(`lane ${this.index}: no node healthy after ${timeoutMs} ms`);
      await sleep(POLL_MS / 2);
    }
  }

  /** Every node of the lane off the edge (its proxy refuses and cuts), until `rejoin()`. */
  async isolate(timeoutMs: number): Promise<void> {
    for (const n of this.nodes) {
      n.proxy.refuse();
      n.proxy.cut();
    }
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const nodes = await this.edge.nodes();
      if (this.nodes.every((n) => !nodes.get(n.nodeId)?.connected)) return;
      if (performance.now() > deadline)
        throw new Error(
          `lane ${this.index}: nodes still connected ${timeoutMs} ms after isolation`,
        );
      await sleep(POLL_MS / 2);
    }
  }

  rejoin(): void {
    for (const n of this.nodes) n.proxy.forward();
  }
}

export function laneModel(index: number): string {
  return `count-${index}`;
}

export function laneUpstream(index: number): string {
  return `lane${index}`;
}
