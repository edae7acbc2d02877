import { describe, expect, it } from 'vitest';
import { ProximaError } from '../protocol/errors.ts';
import { COMMAND_MAX_BYTES, decodeCommand, encodeCommand } from './codec.ts';
import { parseCommand } from './commands.ts';
import { hashOf, SAMPLES } from './testing.ts';
import { decodeUtf8, encodeUtf8 } from '../protocol/utf8.ts';

const json = (value: unknown): Uint8Array => encodeUtf8(JSON.stringify(value));

describe('encodeCommand / decodeCommand', () => {
  it.each(Object.values(SAMPLES))('round-trips $type, defaults filled in', (cmd) => {
    expect(decodeCommand(encodeCommand(cmd))).toEqual(parseCommand(cmd));
  });

  it('writes one byte string per command, whatever order its fields were given in', () => {
    const a = encodeCommand({ v: 1, type: 'route.set', alias: 'x', target: 'y' });
    const b = encodeCommand({ target: 'y', alias: 'x', type: 'route.set', v: 1 });
    expect(a).toEqual(b);
    expect(decodeUtf8(a)).toBe('{"alias":"x","target":"y","type":"route.set","v":1}');
  });

  it('refuses to encode an invalid command: nothing invalid enters the log', () => {
    expect(() => encodeCommand({ ...SAMPLES['key.create'], hash: 'nope' })).toThrow(ProximaError);
  });

  it('decodes what another writer produced, in any field order', () => {
    expect(decodeCommand(json({ id: 'key_000000000001', type: 'key.revoke', v: 1 }))).toEqual(
      SAMPLES['key.revoke'],
    );
  });

  it.each([
    [
      'bytes that are not UTF-8',
      new Uint8Array([0x7b, 0xff, 0x7d]),
      'Registry command is not UTF-8.',
    ],
    ['text that is not JSON', encodeUtf8('{"v":1,'), 'Registry command is not JSON.'],
    [
      'JSON nested past the limit',
      encodeUtf8('['.repeat(40) + ']'.repeat(40)),
      'Registry command nests too deep.',
    ],
    ['an empty entry', new Uint8Array(0), 'Registry command is not JSON.'],
    [
      'an unknown version',
      json({ ...SAMPLES['key.revoke'], v: 2 }),
      "Invalid 'v': 2 is not a version this build applies (v1).",
    ],
    [
      'an unknown type',
      json({ v: 1, type: 'tenant.rename' }),
      "Invalid 'type': 'tenant.rename' is not a registry command type.",
    ],
    ['a malformed field', json({ ...SAMPLES['node.bind'], nodeId: '' }), /^Invalid 'nodeId'/],
    ['a JSON array', json([1]), /^Invalid registry command/],
  ])('refuses %s with a clear error', (_what, bytes, message) => {
    expect(() => decodeCommand(bytes)).toThrow(message);
  });

  it(`fits the largest valid command under ${COMMAND_MAX_BYTES} bytes, and refuses larger entries`, () => {
    const shards = [...Array(1024).keys()].map((i) => `${i}`.padEnd(128, 's'));
    const largest = {
      v: 1,
      type: 'shards.set',
      namespace: 'n'.repeat(128),
      version: 1,
      shards,
    } as const;
    expect(encodeCommand(largest).length).toBeLessThan(COMMAND_MAX_BYTES);
    expect(() => decodeCommand(new Uint8Array(COMMAND_MAX_BYTES + 1))).toThrow(
      'Registry command is 262145 bytes; the limit is 262144.',
    );
  });

  it('keeps a hash exactly (no number or case coercion)', () => {
    const cmd = decodeCommand(encodeCommand({ ...SAMPLES['key.create'], hash: hashOf(0xabc, 7) }));
    expect(cmd).toMatchObject({ hash: hashOf(0xabc, 7) });
  });
});
