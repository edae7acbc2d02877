// The burst tier's settings: where the Function App is, the secret both sides sign with, how
// long to wait for a job, and which chat models it serves. Read once per isolate (keyed by the
// values, so a test that changes them is still honest). A bad value turns the tier off with one
// logged line naming the setting, like UPSTREAMS: nodes and upstreams keep serving.
import { BURST_LIMITS } from '@proxima/core/jobs';
import { ProximaError } from '@proxima/core/protocol';
import { baseUrlSchema, parseBurstModels, type BurstModel } from '@proxima/core/routing';
import { intVar, type Env } from '../env.ts';

export interface BurstConfig {
  /** The Function App's base URL, without a trailing slash. */
  readonly url: string;
  readonly secret: string;
  /** How long the edge waits for one job (BURST_WAIT_MS). */
  readonly waitMs: number;
}

export type BurstSettings =
  | { readonly ok: true; readonly config: BurstConfig }
  | { readonly ok: false; readonly problem: string };

const DEFAULT_WAIT_MS = 120_000;

function settingsOf(env: Env): BurstSettings {
  const url = env.AZURE_FUNCTION_URL?.trim() ?? '';
  if (url === '') return { ok: false, problem: 'AZURE_FUNCTION_URL is not set' };
  const checked = baseUrlSchema.safeParse(url);
  if (!checked.success)
    return {
      ok: false,
      problem: `AZURE_FUNCTION_URL: ${checked.error.issues[0]?.message ?? 'invalid'}`,
    };
  const secret = env.BURST_SECRET ?? '';
  if (secret.length < BURST_LIMITS.secretMinChars)
    return {
      ok: false,
      problem: `BURST_SECRET must be set to at least ${BURST_LIMITS.secretMinChars} characters (it has ${secret.length})`,
    };
  let waitMs: number;
  try {
    waitMs = intVar(env.BURST_WAIT_MS, DEFAULT_WAIT_MS, 100, BURST_LIMITS.runTimeoutMs);
  } catch (err) {
    return { ok: false, problem: `BURST_WAIT_MS: ${(err as Error).message}` };
  }
  return { ok: true, config: { url: url.replace(/\/+$/, ''), secret, waitMs } };
}

interface Parsed {
  readonly key: string;
  readonly settings: BurstSettings;
  readonly models: readonly BurstModel[];
}

let parsed: Parsed | null = null;

function parsedOf(env: Env): Parsed {
  const key = JSON.stringify([
    env.AZURE_FUNCTION_URL,
    env.BURST_SECRET,
    env.BURST_WAIT_MS,
    env.AZURE_BURST_MODELS,
  ]);
  if (parsed?.key === key) return parsed;
  const settings = settingsOf(env);
  let models: readonly BurstModel[] = [];
  let problem: string | null = null;
  if (settings.ok) {
    try {
      models = parseBurstModels(env.AZURE_BURST_MODELS);
    } catch (err) {
      problem = (err as Error).message;
    }
    // An unset URL is a choice (no burst tier), not a mistake: nothing to log then.
  } else if (env.AZURE_FUNCTION_URL?.trim()) problem = settings.problem;
  if (problem !== null)
    console.error(JSON.stringify({ event: 'burst.invalid', error: problem.slice(0, 500) }));
  parsed = { key, settings, models };
  return parsed;
}

/** The burst settings, or why there is no burst tier. */
export function burstSettings(env: Env): BurstSettings {
  return parsedOf(env).settings;
}

/** The settings, or the 503 a burst-only route answers without them (naming the setting). */
export function requireBurst(env: Env): BurstConfig {
  const settings = burstSettings(env);
  if (settings.ok) return settings.config;
  throw new ProximaError(
    'service_unavailable',
    `Burst jobs are not configured on this edge: ${settings.problem}. The operator sets AZURE_FUNCTION_URL and BURST_SECRET (docs/design/0033-azure-burst.md).`,
  );
}

/** Chat models the burst tier serves: none when the tier is off or AZURE_BURST_MODELS is bad. */
export function burstModelsOf(env: Env): readonly BurstModel[] {
  const p = parsedOf(env);
  return p.settings.ok ? p.models : [];
}
