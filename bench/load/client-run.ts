import { join } from 'node:path';
import { spawnChild } from '../../local-node/src/dev/child.ts';
import type { ClientJob } from './client.ts';
import { fromWire, type PhaseResult, type PhaseWire } from './phase-result.ts';

const CLIENT = join(import.meta.dirname, 'client.ts');

/** Runs one phase of bench/load/client.ts in its own process and returns its result. */
export async function runClient(job: ClientJob): Promise<PhaseResult> {
  let result: PhaseWire | undefined;
  const stderr: string[] = [];
  const child = spawnChild({
    name: 'client',
    command: process.execPath,
    args: [CLIENT, JSON.stringify(job)],
    onLine: (line, stream) => {
      if (stream === 'stderr') stderr.push(line);
      else if (line.startsWith('result ')) result = JSON.parse(line.slice(7)) as PhaseWire;
    },
  });
  const code = await child.exited;
  // readline may deliver the last line just after the exit event.
  if (result === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
  if (result === undefined) {
    throw new Error(`client exited (${code}) without a result: ${stderr.slice(-5).join(' | ')}`);
  }
  return fromWire(result);
}
