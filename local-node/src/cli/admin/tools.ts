import type { Command } from 'commander';
import type { EdgeOptions } from '../admin-command.ts';
import type { AdminClient } from './client.ts';

/** What an admin command did: the text to print (unless --json) and the edge's JSON answer. */
export interface AdminAnswer {
  readonly body: unknown;
  readonly text: string;
  /** Goes to stderr in both modes: the secret shown once, what a revocation did. */
  readonly warning?: string;
}

/**
 * The shared pieces of `proxima admin` (admin-command.ts) that the commands in admin/ are built
 * with, passed in rather than imported so that admin-command.ts stays the one place they live.
 */
export interface AdminTools {
  readonly withEdgeOptions: (command: Command) => Command;
  readonly execute: (
    options: EdgeOptions,
    command: Command,
    run: (client: AdminClient) => Promise<AdminAnswer>,
  ) => Promise<number>;
  readonly done: (code: number) => void;
}
