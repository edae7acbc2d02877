import { describe, expect, it } from 'vitest';
import { apply } from './apply.ts';
import { CONFIG, CONFIG_KEYS } from './config.ts';
import { configValue, resolveRoute } from './lookups.ts';
import { emptyState } from './state.ts';
import { build } from './testing.ts';

const route = (alias: string, target: string) =>
  ({ v: 1, type: 'route.set', alias, target }) as const;

describe('config.set', () => {
  it('starts every setting at its default', () => {
    for (const key of CONFIG_KEYS)
      expect(configValue(emptyState(), key)).toBe(CONFIG[key].fallback);
    expect(configValue(emptyState(), 'models.memoryMs')).toBe(600_000);
    expect(configValue(emptyState(), 'models.memoryMs')).toBe(600_000);
  });

  it('sets a value, and null puts the default back', () => {
    const set = apply(emptyState(), {
      v: 1,
      type: 'config.set',
      key: 'models.memoryMs',
      value: 60_000,
    });
    expect(set.result).toEqual({ ok: true, value: { key: 'models.memoryMs', value: 60_000 } });
    expect(configValue(set.state, 'models.memoryMs')).toBe(60_000);
    const reset = apply(set.state, {
      v: 1,
      type: 'config.set',
      key: 'models.memoryMs',
      value: null,
    });
    expect(reset.result).toEqual({ ok: true, value: { key: 'models.memoryMs', value: 600_000 } });
    expect(reset.state.config.size).toBe(0);
  });

  it('refuses a value its key does not take, changing nothing', () => {
    const s = emptyState();
    const r = apply(s, { v: 1, type: 'config.set', key: 'models.memoryMs', value: 1.5 });
    expect(r.result).toEqual({
      ok: false,
      code: 'invalid_command',
      message: "Invalid 'value': models.memoryMs must be an integer.",
    });
    expect(r.state).toBe(s);
  });
});

describe('route.set / route.remove', () => {
  it('resolves an alias to its target and any other id to itself', () => {
    const s = build([route('gpt-4o', 'llama3:70b')]);
    expect(resolveRoute(s, 'gpt-4o')).toBe('llama3:70b');
    expect(resolveRoute(s, 'llama3:70b')).toBe('llama3:70b');
    expect(resolveRoute(s, 'phi')).toBe('phi');
  });

  it('repoints an alias and says where it pointed before', () => {
    const s = build([route('fast', 'phi')]);
    const r = apply(s, route('fast', 'qwen'));
    expect(r.result).toEqual({
      ok: true,
      value: { alias: 'fast', target: 'qwen', previous: 'phi' },
    });
    expect(resolveRoute(r.state, 'fast')).toBe('qwen');
  });

  it('keeps routes one hop: no self-route, no alias to an alias, no alias made of a target', () => {
    const s = build([route('fast', 'phi')]);
    const cases = [
      [route('x', 'x'), "Route 'x' cannot point at itself."],
      [route('quick', 'fast'), "'fast' is itself an alias; point 'quick' at a model id."],
      [route('phi', 'qwen'), "Alias 'fast' points at 'phi', so it cannot become an alias."],
    ] as const;
    for (const [cmd, message] of cases) {
      const r = apply(s, cmd);
      expect(r.result).toEqual({ ok: false, code: 'route_chain', message });
      expect(r.state).toBe(s);
    }
  });

  it('removes a route; an unknown one is not found', () => {
    const s = build([route('fast', 'phi')]);
    const r = apply(s, { v: 1, type: 'route.remove', alias: 'fast' });
    expect(r.result).toEqual({ ok: true, value: { alias: 'fast', target: 'phi' } });
    expect(resolveRoute(r.state, 'fast')).toBe('fast');
    expect(apply(r.state, { v: 1, type: 'route.remove', alias: 'fast' }).result).toEqual({
      ok: false,
      code: 'not_found',
      message: "No route 'fast'.",
    });
  });
});
