import { describe, expect, it } from 'vitest';
import { ProximaError } from '../protocol/errors.ts';
import { COMMAND_TYPES, parseCommand } from './commands.ts';
import { hashOf, SAMPLES } from './testing.ts';

/** The message parseCommand throws for `value`. */
function refusal(value: unknown): string {
  try {
    parseCommand(value);
  } catch (err) {
    expect(err).toBeInstanceOf(ProximaError);
    expect((err as ProximaError).code).toBe('invalid_request');
    return (err as ProximaError).message;
  }
  throw new Error('accepted');
}

describe('parseCommand', () => {
  it('knows exactly the sampled types', () => {
    expect([...COMMAND_TYPES].sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it.each(Object.values(SAMPLES))('accepts a valid $type', (cmd) => {
    expect(parseCommand(cmd)).toMatchObject(cmd);
  });

  it("fills in a key's default scopes, and keeps given scopes in one order", () => {
    expect(parseCommand(SAMPLES['key.create'])).toMatchObject({ scopes: ['chat', 'models'] });
    expect(parseCommand({ ...SAMPLES['key.create'], scopes: ['models', 'chat'] })).toMatchObject({
      scopes: ['chat', 'models'],
    });
  });

  it('names an unknown version, a missing one, and an unknown type', () => {
    expect(refusal({ ...SAMPLES['key.revoke'], v: 2 })).toBe(
      "Invalid 'v': 2 is not a version this build applies (v1).",
    );
    expect(refusal({ type: 'key.revoke', id: 'key_000000000001' })).toBe(
      "Invalid 'v': must be given (this build applies v1).",
    );
    expect(refusal({ v: 1, type: 'key.delete', id: 'key_000000000001' })).toBe(
      "Invalid 'type': 'key.delete' is not a registry command type.",
    );
    expect(refusal({ v: 1 })).toBe("Invalid 'type': must be given.");
  });

  it('refuses what is not an object', () => {
    for (const value of [null, 'key.create', 1, []])
      expect(refusal(value)).toMatch(/^Invalid registry command: /);
  });

  it.each([
    ['a field it does not know', { ...SAMPLES['key.revoke'], reason: 'x' }, /Unrecognized key/],
    ['a hash that is not SHA-256 hex', { ...SAMPLES['key.create'], hash: 'ABC' }, /'hash'/],
    [
      'an upper-case hash',
      { ...SAMPLES['key.create'], hash: hashOf(0xabc).toUpperCase() },
      /'hash'/,
    ],
    ['a tenant name with a space', { ...SAMPLES['key.create'], tenant: 'a b' }, /'tenant'/],
    ['a misspelt limit', { ...SAMPLES['key.create'], limits: { rpm: 1 } }, /Unrecognized key/],
    ['a negative limit', { ...SAMPLES['key.setLimits'], limits: { tokensPerDay: -1 } }, /'limits/],
    ['an unknown scope', { ...SAMPLES['key.create'], scopes: ['root'] }, /'scopes\[0\]'/],
    ['no scope', { ...SAMPLES['key.create'], scopes: [] }, /at least one scope/],
    ['a scope twice', { ...SAMPLES['key.create'], scopes: ['chat', 'chat'] }, /twice/],
    ['a key id of another shape', { ...SAMPLES['key.revoke'], id: 'ntk_000000000001' }, /'id'/],
    ['a fractional time', { ...SAMPLES['tenant.upsert'], at: 1.5 }, /'at'/],
    ['a negative time', { ...SAMPLES['key.create'], at: -1 }, /'at'/],
    ['a node id with a slash', { ...SAMPLES['node.bind'], nodeId: 'a/b' }, /'nodeId'/],
    ['a model listed twice', { ...SAMPLES['model.seen'], ids: ['m', 'm'] }, /twice/],
    ['no models', { ...SAMPLES['model.seen'], ids: [] }, /empty/],
    [
      'too many models',
      { ...SAMPLES['model.seen'], ids: [...Array(65).keys()].map(String) },
      /'ids'/,
    ],
    ['a bad cache scope', { ...SAMPLES['cacheEpoch.bump'], scope: '**' }, /'scope'/],
    ['shard version 0', { ...SAMPLES['shards.set'], version: 0 }, /'version'/],
    ['a shard twice', { ...SAMPLES['shards.set'], shards: ['s0', 's0'] }, /twice/],
    ['a route to a bad model id', { ...SAMPLES['route.set'], target: 'a b' }, /'target'/],
  ])('refuses %s', (_what, value, message) => {
    expect(refusal(value)).toMatch(message);
  });

  describe('config.set', () => {
    it('validates the value by its key, and takes null (back to the default)', () => {
      expect(refusal({ ...SAMPLES['config.set'], value: -1 })).toBe(
        "Invalid 'value': models.memoryMs must not be negative.",
      );
      expect(refusal({ ...SAMPLES['config.set'], value: '5000' })).toMatch(
        /models.memoryMs must be a number of milliseconds/,
      );
      expect(refusal({ ...SAMPLES['config.set'], value: 31 * 86_400_000 })).toMatch(
        /at most 2592000000 ms/,
      );
      expect(parseCommand({ ...SAMPLES['config.set'], value: null })).toMatchObject({
        value: null,
      });
    });

    it('knows only the listed keys', () => {
      expect(refusal({ ...SAMPLES['config.set'], key: 'auth.enabled' })).toBe(
        "Invalid 'key': must be one of models.memoryMs, models.pruneAfterMs, not 'auth.enabled'.",
      );
    });
  });
});
