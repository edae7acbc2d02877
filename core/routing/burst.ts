/**
 * The burst tier: the Azure Function App that runs chat and vision jobs on Azure AI Foundry, the
 * last healthy tier behind local nodes and upstreams (choose.ts, rule 2). Which models it serves,
 * and what each can do, the operator declares in the edge's `AZURE_BURST_MODELS` var:
 * `gpt-4o-mini:tools+json_schema,gpt-4o:vision+tools`. Validated here, once, naming the field.
 */
import { z } from 'zod';
import { MODEL_ID_PATTERN, MODEL_ID_RULE } from '../protocol/limits.ts';
import type { ModelCapability } from '../protocol/node/messages.ts';
import type { Backend } from './backend.ts';
import { capabilityListSchema, settingError } from './upstreams.ts';

/** What clients and metering call the Function App (`x-proxima-backend: azure`). */
export const BURST_BACKEND_NAME = 'azure';

/** The router's id for it: prefixed like `upstream:<name>`, so no node id can take its breaker. */
export const BURST_BACKEND_ID = 'burst:azure';

/**
 * Jobs one edge isolate keeps waiting on the Function App at once. The Function App scales out by
 * itself; this only bounds what one isolate holds open (each waiting request costs it memory).
 */
export const BURST_MAX_IN_FLIGHT = 64;

export interface BurstModel {
  readonly model: string;
  readonly capabilities: readonly ModelCapability[];
}

const burstModels = z
  .array(
    z.strictObject({
      model: z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`),
      capabilities: capabilityListSchema,
    }),
  )
  .max(256)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((m, i) => {
      if (seen.has(m.model))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'model'],
          message: `"${m.model}" is listed twice`,
        });
      seen.add(m.model);
    });
  });

/**
 * One entry, `model[:cap+cap]`. Model ids may hold ':' and '+' themselves ("llama3:8b"), so the
 * capabilities are whatever follows the last ':'; such an id ends with ':' and its list (maybe
 * empty: "llama3:8b:"). A misspelt capability is then an error, never part of a model's name.
 */
function entryOf(text: string): { model: string; capabilities: string[] } {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { model: text, capabilities: [] };
  const list = text.slice(colon + 1);
  return { model: text.slice(0, colon), capabilities: list === '' ? [] : list.split('+') };
}

/**
 * Parses `AZURE_BURST_MODELS`; unset or blank is none. Throws naming the bad field, e.g.
 * `AZURE_BURST_MODELS[1].capabilities[0]: must be one of ...`.
 */
export function parseBurstModels(raw: string | undefined): readonly BurstModel[] {
  if (raw === undefined || raw.trim() === '') return [];
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .map(entryOf);
  const result = burstModels.safeParse(entries);
  if (!result.success) throw settingError('AZURE_BURST_MODELS', result.error);
  return result.data;
}

/** The routing view of the Function App for `model`: none when it does not serve it. */
export function burstBackends(
  models: readonly BurstModel[],
  model: string,
  inFlight: number,
): Backend[] {
  const served = models.find((m) => m.model === model);
  if (served === undefined) return [];
  return [
    {
      id: BURST_BACKEND_ID,
      tier: 'burst',
      models: [model],
      warmModels: [model],
      costPer1kTokens: 0,
      priority: 0,
      capacity: { slots: BURST_MAX_IN_FLIGHT, inFlight, queued: 0, vramFreeBytes: null },
      draining: false,
      suspect: false,
      degraded: false,
      // A job answers whole: it cannot carry on a stream another backend began.
      canContinue: false,
      capabilities: served.capabilities,
    },
  ];
}
