// The snapshot's wire shape: every table as an array of records, validated field by field with
// the same rules as the commands that fill them.
import * as z from 'zod';
import { MAX_SHARDS } from './commands.ts';
import { CONFIG_KEYS } from './config.ts';
import {
  cacheScopeField,
  distinct,
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

export const SNAPSHOT_FORMAT = 'proxima.registry';
export const SNAPSHOT_VERSION = 1;

const counter = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const tables = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  v: z.literal(SNAPSHOT_VERSION),
  tenants: z.array(
    z.strictObject({
      name: labelField,
      limits: limitsField,
      createdAt: timeField,
      updatedAt: timeField,
    }),
  ),
  keys: z.array(
    z.strictObject({
      id: keyIdField,
      hash: hashField,
      tenant: labelField,
      name: labelField,
      limits: limitsField,
      scopes: scopesField,
      createdAt: timeField,
      expiresAt: timeField.nullable(),
    }),
  ),
  nodeTokens: z.array(
    z.strictObject({
      id: tokenIdField,
      hash: hashField,
      name: labelField,
      nodeId: idField.nullable(),
      createdAt: timeField,
      boundAt: timeField.nullable(),
    }),
  ),
  models: z.array(
    z.strictObject({
      id: modelIdField,
      firstSeen: timeField,
      seenBy: z.array(z.strictObject({ nodeId: idField, at: timeField })).min(1),
    }),
  ),
  routes: z.array(z.strictObject({ alias: modelIdField, target: modelIdField })),
  config: z.array(z.strictObject({ key: z.enum(CONFIG_KEYS), value: z.json() })),
  cacheEpochs: z.array(z.strictObject({ scope: cacheScopeField, epoch: counter })),
  shardMaps: z.array(
    z.strictObject({ namespace: idField, version: counter, shards: distinct(idField, MAX_SHARDS) }),
  ),
  authVersion: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  clusterVersion: z.number().int().min(1).max(1_000_000),
});

export type SnapshotTables = z.output<typeof tables>;

/** Format and version first, so a newer snapshot gets an error naming that, not a field. */
export const snapshotSchema = z
  .looseObject({
    format: z.literal(SNAPSHOT_FORMAT, { error: `must be '${SNAPSHOT_FORMAT}'` }),
    v: z.literal(SNAPSHOT_VERSION, {
      error: (i) =>
        `${shown(i.input)} is not a snapshot version this build reads (v${SNAPSHOT_VERSION})`,
    }),
  })
  .pipe(tables);
