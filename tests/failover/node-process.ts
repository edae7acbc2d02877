/**
 * One counting node as a real OS process behind its own TCP proxy to the edge, so the harness can
 * kill it (SIGKILL), freeze it (SIGSTOP/SIGCONT), cut or blackhole its connection, and change its
 * engine (slow, hang) through control lines on its stdin. `respawn()` starts a new process with
 * the same id and token, as a supervisor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TcpProxy } from './tcp-proxy.ts';

const COUNTING_NODE = join(import.meta.dirname, 'counting-node.ts');

/** Node processes that may run: killed if the harness exits without stopping them. */
const alive = new Set<NodeProcess>();
let exitHook = false;

export interface NodeProcessOptions {
  readonly nodeId: string;
  readonly model: string;
  readonly token: string;
  /** The node dials the edge through this proxy. */
  readonly proxy: TcpProxy;
  readonly tokenDelayMs: number;
  readonly slots: number;
  readonly backoffMs: number;
  readonly backoffMaxMs: number;
  /** Every line the process prints. */
  readonly onLine?: (nodeId: string, line: string) => void;
}

export class NodeProcess {
  readonly options: NodeProcessOptions;
  private child: ChildProcess | null = null;
  private exit: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Continuations this node's engine started (engine.continue lines), over all its processes. */
  continuations = 0;
  /** Processes started, the first included. */
  spawns = 0;
  /** What the agent last said of its link: welcomed ('connected') or dialling again. */
  link: 'connected' | 'reconnecting' | 'starting' = 'starting';

  constructor(options: NodeProcessOptions) {
    this.options = options;
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const node of alive) node.signal('SIGKILL');
      });
    }
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  get proxy(): TcpProxy {
    return this.options.proxy;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.nodeId} is already running`);
    const o = this.options;
    const child = spawn(
      process.execPath,
      [
        COUNTING_NODE,
        '--edge',
        o.proxy.url,
        '--node-id',
        o.nodeId,
        '--model',
        o.model,
        '--token-delay-ms',
        String(o.tokenDelayMs),
        '--slots',
        String(o.slots),
        '--backoff-ms',
        String(o.backoffMs),
        '--backoff-max-ms',
        String(o.backoffMaxMs),
      ],
      { env: { ...process.env, PROXIMA_NODE_TOKEN: o.token }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.spawns++;
    this.link = 'starting';
    alive.add(this);
    this.exit = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    child.stdin?.on('error', () => undefined); // a killed node's stdin breaks: expected
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        if (line.includes('"event":"engine.continue"')) this.continuations++;
        else if (line.includes('"event":"edge.connected"')) this.link = 'connected';
        else if (line.includes('"event":"edge.reconnecting"')) this.link = 'reconnecting';
        o.onLine?.(o.nodeId, line);
      });
    }
  }

  /** Sends a signal to the process, if it runs. */
  signal(signal: NodeJS.Signals): void {
    if (!this.running || this.child?.pid === undefined) return;
    try {
      process.kill(this.child.pid, signal);
    } catch {
      // gone already
    }
  }

  /** SIGKILL, and wait until it is gone. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exit;
  }

  /** A new process with the same id and token (after a kill). */
  async respawn(): Promise<void> {
    if (this.running) await this.kill();
    if (!this.stopped) this.start();
  }

  /** `slow <ms>`, `hang` or `normal` (counting-node.ts). */
  control(line: string): void {
    this.child?.stdin?.write(`${line}\n`);
  }

  /** For good: SIGCONT (it may be stopped), SIGTERM, then SIGKILL after a grace period. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    if (!this.running) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
    alive.delete(this);
  }
}
