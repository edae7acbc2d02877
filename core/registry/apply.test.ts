import { describe, expect, expectTypeOf, it } from 'vitest';
import { apply, applyEntry } from './apply.ts';
import { encodeCommand } from './codec.ts';
import { refusalError, type RefusalCode } from './result.ts';
import { encodeSnapshot } from './snapshot.ts';
import { emptyState } from './state.ts';
import { build, SAMPLES } from './testing.ts';
import { encodeUtf8 } from '../protocol/utf8.ts';
import type { KeyView } from './views.ts';

describe('apply', () => {
  it('types each accepted value by its command', () => {
    const r = apply(emptyState(), SAMPLES['key.create']);
    if (r.result.ok) expectTypeOf(r.result.value).toEqualTypeOf<KeyView>();
    const e = apply(emptyState(), SAMPLES['cacheEpoch.bump']);
    if (e.result.ok)
      expectTypeOf(e.result.value).toEqualTypeOf<{
        readonly scope: string;
        readonly epoch: number;
      }>();
  });

  it('validates the command itself: a bad one is a refusal, and the state is the same object', () => {
    const s = build([SAMPLES['key.create']]);
    for (const bad of [
      { ...SAMPLES['key.revoke'], v: 2 },
      { ...SAMPLES['key.revoke'], id: 'key_1' },
      { v: 1, type: 'key.delete' },
      null,
    ]) {
      const r = apply(s, bad as never);
      expect(r.result).toMatchObject({ ok: false, code: 'invalid_command' });
      expect(r.state).toBe(s);
    }
  });

  it('never changes the state it is given', () => {
    const s = build([SAMPLES['key.create'], SAMPLES['node.enroll'], SAMPLES['node.bind']]);
    const before = encodeSnapshot(s);
    for (const cmd of Object.values(SAMPLES)) apply(s, cmd);
    expect(encodeSnapshot(s)).toEqual(before);
  });
});

describe('applyEntry', () => {
  it('applies an encoded command as apply does', () => {
    const direct = apply(emptyState(), SAMPLES['key.create']);
    const logged = applyEntry(emptyState(), encodeCommand(SAMPLES['key.create']));
    expect(logged.result).toEqual(direct.result);
    expect(encodeSnapshot(logged.state)).toEqual(encodeSnapshot(direct.state));
  });

  it('refuses a corrupt or unknown entry instead of throwing, so every peer moves on alike', () => {
    const s = emptyState();
    for (const entry of [
      new Uint8Array([0xff]),
      encodeUtf8('not json'),
      encodeUtf8(JSON.stringify({ ...SAMPLES['route.remove'], v: 9 })),
    ]) {
      const r = applyEntry(s, entry);
      expect(r.result).toMatchObject({ ok: false, code: 'invalid_command' });
      expect(r.state).toBe(s);
    }
  });
});

describe('refusalError', () => {
  it('maps refusals onto HTTP-facing errors', () => {
    const error = (code: RefusalCode) => refusalError({ ok: false, code, message: 'm' }).status;
    expect(error('invalid_command')).toBe(400);
    expect(error('not_found')).toBe(404);
    expect(error('key_exists')).toBe(409);
    expect(error('version_conflict')).toBe(409);
    expect(refusalError({ ok: false, code: 'id_taken', message: 'taken' }).message).toBe('taken');
  });
});
