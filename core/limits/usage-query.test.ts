import { describe, expect, it } from 'vitest';
import { ProximaError } from '../protocol/errors.ts';
import { parseUsageParams } from './usage-query.ts';

const now = Date.UTC(2026, 10, 30, 12);

describe('parseUsageParams', () => {
  it('defaults to the last 24 hours, ungrouped', () => {
    expect(parseUsageParams({}, now)).toEqual({ from: now - 86_400_000, to: now, groupBy: [] });
  });

  it('takes since, ISO times, epoch ms and groups', () => {
    expect(parseUsageParams({ since: '7d', groupBy: 'model,key,model' }, now)).toEqual({
      from: now - 7 * 86_400_000,
      to: now,
      groupBy: ['model', 'key'],
    });
    expect(parseUsageParams({ from: '2026-11-30T00:00:00Z', to: String(now) }, now)).toMatchObject({
      from: Date.UTC(2026, 10, 30),
      to: now,
    });
  });

  it.each([
    [{ since: '7 days' }, 'since'],
    [{ since: '1d', from: '0' }, 'since'],
    [{ from: 'yesterday' }, 'from'],
    [{ from: String(now + 1) }, 'from'],
    [{ groupBy: 'tenant' }, 'group_by'],
    [{ since: '9999d' }, 'from'],
  ])('refuses %j naming %s', (params, param) => {
    try {
      parseUsageParams(params, now);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProximaError);
      expect((err as ProximaError).param).toBe(param);
    }
  });
});
