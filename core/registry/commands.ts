// The replicated registry's commands: what a proposer puts in the Raft log and every peer applies.
// Each carries every value its apply step needs, times included (`at`, the proposer's clock), so
// applying never reads a clock. Versioned: a peer refuses a version or a type it does not know.
import * as z from 'zod';
import { FIELD_LIMITS } from '../protocol/limits.ts';
import { parseOrThrow } from '../protocol/validation.ts';
import { CONFIG_KEYS, configProblem } from './config.ts';
import {
  cacheScopeField,
  DEFAULT_SCOPES,
  distinct,
  durationField,
  hashField,
  idField,
  keyIdField,
  labelField,
  limitsField,
  modelIdField,
  scopesField,
  shown,
  timeField,
  tokenIdField,
} from './fields.ts';

/** The newest command version this build applies (the group may be gated lower). */
export const COMMAND_VERSION = 1;
/** Shards one namespace's map may list. */
export const MAX_SHARDS = 1024;

function command<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.strictObject({ v: z.literal(COMMAND_VERSION), type: z.literal(type), ...shape });
}

const tenantUpsert = command('tenant.upsert', {
  tenant: labelField,
  limits: limitsField,
  at: timeField,
});
const tenantRemove = command('tenant.remove', { tenant: labelField });

const keyCreate = command('key.create', {
  hash: hashField,
  tenant: labelField,
  name: labelField,
  limits: limitsField,
  scopes: scopesField.default([...DEFAULT_SCOPES]),
  expiresAt: timeField.optional(),
  at: timeField,
});
/** The new key keeps the old one's tenant, name, limits and scopes; its expiry too unless given. */
const keyRotate = command('key.rotate', {
  id: keyIdField,
  hash: hashField,
  expiresAt: timeField.optional(),
  at: timeField,
});
const keyRevoke = command('key.revoke', { id: keyIdField });
const keySetLimits = command('key.setLimits', { id: keyIdField, limits: limitsField });

const nodeEnroll = command('node.enroll', {
  hash: hashField,
  name: labelField,
  nodeId: idField.optional(),
  at: timeField,
});
const nodeBind = command('node.bind', { id: tokenIdField, nodeId: idField, at: timeField });
const nodeRevoke = command('node.revoke', { id: tokenIdField });

const modelSeen = command('model.seen', {
  ids: distinct(modelIdField, FIELD_LIMITS.helloModels),
  nodeId: idField,
  at: timeField,
});
/** Removes the models that no enrolled node has served in the `olderThan` ms before `at`. */
const modelPrune = command('model.prune', { olderThan: durationField, at: timeField });

/** `value` null puts the setting back to its default. */
const configSet = command('config.set', {
  key: z.enum(CONFIG_KEYS, {
    error: (i) => `must be one of ${CONFIG_KEYS.join(', ')}, not ${shown(i.input)}`,
  }),
  value: z.json().nullable(),
}).superRefine((cmd, ctx) => {
  const problem = cmd.value === null ? null : configProblem(cmd.key, cmd.value);
  if (problem !== null)
    ctx.addIssue({ code: 'custom', path: ['value'], message: `${cmd.key} ${problem}` });
});
const routeSet = command('route.set', { alias: modelIdField, target: modelIdField });
const routeRemove = command('route.remove', { alias: modelIdField });

const cacheEpochBump = command('cacheEpoch.bump', { scope: cacheScopeField });
/** `version` must be the namespace's current version + 1 (1 for a new namespace). */
const shardsSet = command('shards.set', {
  namespace: idField,
  version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  shards: distinct(idField, MAX_SHARDS),
});

/** Raises the command version the whole group applies (never lowers it). */
const clusterSetVersion = command('cluster.setVersion', {
  version: z.number().int().min(1).max(1_000_000),
});

const commandUnion = z.discriminatedUnion('type', [
  tenantUpsert,
  tenantRemove,
  keyCreate,
  keyRotate,
  keyRevoke,
  keySetLimits,
  nodeEnroll,
  nodeBind,
  nodeRevoke,
  modelSeen,
  modelPrune,
  configSet,
  routeSet,
  routeRemove,
  cacheEpochBump,
  shardsSet,
  clusterSetVersion,
]);

/** A validated command, defaults filled in: what apply works on and the log holds. */
export type RegistryCommand = z.output<typeof commandUnion>;
/** What a proposer writes (defaults may be left out). */
export type RegistryCommandInput = z.input<typeof commandUnion>;
export type CommandType = RegistryCommand['type'];
export type CommandOf<T extends CommandType> = Extract<RegistryCommand, { readonly type: T }>;

export const COMMAND_TYPES = commandUnion.options.map((o) => o.shape.type.value);

/** Version and type first, so a newer or unknown command gets an error naming that, not a field. */
const commandSchema = z
  .looseObject({
    v: z.literal(COMMAND_VERSION, {
      error: (i) =>
        i.input === undefined
          ? `must be given (this build applies v${COMMAND_VERSION})`
          : `${shown(i.input)} is not a version this build applies (v${COMMAND_VERSION})`,
    }),
    type: z.enum(COMMAND_TYPES, {
      error: (i) =>
        i.input === undefined
          ? 'must be given'
          : `${shown(i.input)} is not a registry command type`,
    }),
  })
  .pipe(commandUnion);

/** A command from anywhere (a log entry, an admin request); a ProximaError (400) names the fault. */
export function parseCommand(value: unknown): RegistryCommand {
  return parseOrThrow(commandSchema, value, 'registry command');
}
