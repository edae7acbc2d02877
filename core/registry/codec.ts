// Raft log entries: one command as canonical JSON in UTF-8, validated both ways.
import { ProximaError } from '../protocol/errors.ts';
import { jsonDepthExceeds } from '../protocol/json.ts';
import { FIELD_LIMITS } from '../protocol/limits.ts';
import { canonicalJson } from './canonical-json.ts';
import { parseCommand, type RegistryCommand, type RegistryCommandInput } from './commands.ts';
import { decodeUtf8, encodeUtf8 } from '../protocol/utf8.ts';

/** The largest entry a command may make (a full shard map of long ids fits with room to spare). */
export const COMMAND_MAX_BYTES = 256 * 1024;

function tooLarge(bytes: number): ProximaError {
  return new ProximaError(
    'invalid_request',
    `Registry command is ${bytes} bytes; the limit is ${COMMAND_MAX_BYTES}.`,
  );
}

/** Validates (filling defaults in) and encodes: nothing invalid enters the log. */
export function encodeCommand(command: RegistryCommandInput): Uint8Array {
  const bytes = encodeUtf8(canonicalJson(parseCommand(command)));
  if (bytes.length > COMMAND_MAX_BYTES) throw tooLarge(bytes.length);
  return bytes;
}

/** A log entry's command; a ProximaError (400) says what is wrong with bytes that are not one. */
export function decodeCommand(bytes: Uint8Array): RegistryCommand {
  if (bytes.length > COMMAND_MAX_BYTES) throw tooLarge(bytes.length);
  const text = decodeUtf8(bytes);
  if (text === null) throw new ProximaError('invalid_request', 'Registry command is not UTF-8.');
  if (jsonDepthExceeds(text, FIELD_LIMITS.jsonDepth))
    throw new ProximaError('invalid_request', 'Registry command nests too deep.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProximaError('invalid_request', 'Registry command is not JSON.');
  }
  return parseCommand(json);
}
