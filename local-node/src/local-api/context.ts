import type { Logger } from '../agent/log.ts';
import type { Engine } from '../engine/engine.ts';

/** What every route of one local API shares. */
export interface LocalApiContext {
  readonly engine: Engine;
  readonly log: Logger;
  /** When the API started (ms since the epoch): the models' `created` and `modified_at`. */
  readonly startedAtMs: number;
}
