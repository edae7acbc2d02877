// Job records in the Table, one row per job (PartitionKey = id, RowKey = 'job'). Every write after
// the insert names the etag it read, so two deliveries of one job cannot both write a stale record.
import type { TableClient } from '@azure/data-tables';
import {
  JOB_KINDS,
  JOB_STATUSES,
  type JobKind,
  type JobRecord,
  type JobStatus,
} from '@proxima/core/jobs';
import { StaleRecordError, isConflict, isNotFound, isPreconditionFailed } from './errors.ts';
import { RECORD_ROW_KEY } from './names.ts';

export interface StoredRecord {
  readonly record: JobRecord;
  readonly etag: string;
}

export type Insertion =
  | { readonly inserted: true; readonly etag: string }
  /** A record with this id exists already: another POST won the race. */
  | { readonly inserted: false };

export interface JobRecords {
  get(id: string): Promise<StoredRecord | null>;
  /** Insert if absent. */
  insert(record: JobRecord): Promise<Insertion>;
  /** Replaces the record read with `etag`; StaleRecordError if it changed since. Gives the new etag. */
  replace(record: JobRecord, etag: string): Promise<string>;
}

/** The Table row's columns. Absent columns are nulls: Table storage has no null. */
export interface RecordEntity {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly kind: string;
  readonly tenant: string;
  readonly status: string;
  readonly attempts: number;
  /** ms timestamps pass Int32: bigint, which the SDK writes and reads as the Table's Int64. */
  readonly createdAt: bigint;
  readonly updatedAt: bigint;
  readonly digest: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly callbackUrl?: string;
  readonly runner?: string;
}

export function tableJobRecords(table: TableClient): JobRecords {
  return {
    async get(id) {
      try {
        const entity = await table.getEntity<Record<string, unknown>>(id, RECORD_ROW_KEY);
        return { record: entityToRecord(entity), etag: entity.etag };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },

    async insert(record) {
      try {
        const { etag } = await table.createEntity(recordToEntity(record));
        if (etag === undefined) throw new Error('the Table answered an insert without an etag');
        return { inserted: true, etag };
      } catch (err) {
        if (isConflict(err)) return { inserted: false };
        throw err;
      }
    },

    async replace(record, etag) {
      try {
        const response = await table.updateEntity(recordToEntity(record), 'Replace', { etag });
        if (response.etag === undefined)
          throw new Error('the Table answered an update without an etag');
        return response.etag;
      } catch (err) {
        if (isPreconditionFailed(err) || isNotFound(err))
          throw new StaleRecordError(`job ${record.id} changed since it was read`, { cause: err });
        throw err;
      }
    },
  };
}

export function recordToEntity(record: JobRecord): RecordEntity {
  return {
    partitionKey: record.id,
    rowKey: RECORD_ROW_KEY,
    kind: record.kind,
    tenant: record.tenant,
    status: record.status,
    attempts: record.attempts,
    createdAt: BigInt(record.createdAt),
    updatedAt: BigInt(record.updatedAt),
    digest: record.digest,
    ...(record.error === null
      ? {}
      : { errorCode: record.error.code, errorMessage: record.error.message }),
    ...(record.callbackUrl === null ? {} : { callbackUrl: record.callbackUrl }),
    ...(record.runner === null ? {} : { runner: record.runner }),
  };
}

/** A row back as a JobRecord; a row no version of this code wrote is an error, not a guess. */
export function entityToRecord(entity: Readonly<Record<string, unknown>>): JobRecord {
  const id = text(entity, 'partitionKey');
  const errorCode = optionalText(entity, 'errorCode');
  return {
    id,
    kind: oneOf(entity, 'kind', JOB_KINDS) satisfies JobKind,
    tenant: text(entity, 'tenant'),
    status: oneOf(entity, 'status', JOB_STATUSES) satisfies JobStatus,
    attempts: count(entity, 'attempts'),
    createdAt: count(entity, 'createdAt'),
    updatedAt: count(entity, 'updatedAt'),
    error:
      errorCode === null
        ? null
        : { code: errorCode, message: optionalText(entity, 'errorMessage') ?? '' },
    digest: text(entity, 'digest'),
    callbackUrl: optionalText(entity, 'callbackUrl'),
    runner: optionalText(entity, 'runner'),
  };
}

function corrupt(entity: Readonly<Record<string, unknown>>, column: string): Error {
  return new Error(`job record ${String(entity.partitionKey)}: column ${column} is missing or bad`);
}

function text(entity: Readonly<Record<string, unknown>>, column: string): string {
  const value = entity[column];
  if (typeof value !== 'string' || value === '') throw corrupt(entity, column);
  return value;
}

function optionalText(entity: Readonly<Record<string, unknown>>, column: string): string | null {
  const value = entity[column];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw corrupt(entity, column);
  return value;
}

/** A non-negative integer column, Int32 (a number) or Int64 (a bigint). */
function count(entity: Readonly<Record<string, unknown>>, column: string): number {
  const cell = entity[column];
  const value = typeof cell === 'bigint' ? Number(cell) : cell;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw corrupt(entity, column);
  return value;
}

function oneOf<T extends string>(
  entity: Readonly<Record<string, unknown>>,
  column: string,
  values: readonly T[],
): T {
  const value = entity[column];
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value))
    throw corrupt(entity, column);
  return value as T;
}
