import { describe, expect, it } from 'vitest';
import { BURST_BACKEND_ID, BURST_MAX_IN_FLIGHT, burstBackends, parseBurstModels } from './burst.ts';
import { capableBackends, type CapabilityNeed } from './capabilities.ts';
import { chooseBackend, DEFAULT_CHOOSE, type RoutingState } from './choose.ts';
import { testBackend } from './testing.ts';

const T0 = 1_790_000_000_000;
const EMPTY: RoutingState = { ewma: new Map(), breakers: new Map() };
const VISION: CapabilityNeed[] = [{ capability: 'vision', param: 'messages[0].content' }];

describe('AZURE_BURST_MODELS', () => {
  it('reads models and their capabilities; unset or blank is none', () => {
    expect(parseBurstModels(undefined)).toEqual([]);
    expect(parseBurstModels(' ')).toEqual([]);
    expect(parseBurstModels('gpt-4o-mini:tools+json_schema, gpt-4o:vision+tools,plain')).toEqual([
      { model: 'gpt-4o-mini', capabilities: ['tools', 'json_schema'] },
      { model: 'gpt-4o', capabilities: ['vision', 'tools'] },
      { model: 'plain', capabilities: [] },
    ]);
  });

  it('takes the capabilities after the last colon, so model ids may hold one', () => {
    expect(parseBurstModels('llama3:8b:vision,org/m:tag:')).toEqual([
      { model: 'llama3:8b', capabilities: ['vision'] },
      { model: 'org/m:tag', capabilities: [] },
    ]);
  });

  it('names the field at fault', () => {
    expect(() => parseBurstModels('gpt-4o:vison')).toThrow(
      /^AZURE_BURST_MODELS\[0\]\.capabilities\[0\]: must be one of/,
    );
    expect(() => parseBurstModels('a,b c')).toThrow(/^AZURE_BURST_MODELS\[1\]\.model: must be/);
    expect(() => parseBurstModels('a,,b')).toThrow(/^AZURE_BURST_MODELS\[1\]\.model:/);
    expect(() => parseBurstModels('a:tools+tools')).toThrow(/\[0\]\.capabilities\[1\]: "tools"/);
    expect(() => parseBurstModels('a:tools,a')).toThrow(/\[1\]\.model: "a" is listed twice/);
  });

  it('offers the Function App only for the models it serves, with their capabilities', () => {
    const models = parseBurstModels('gpt-4o:vision+tools');
    expect(burstBackends(models, 'other', 0)).toEqual([]);
    const [b] = burstBackends(models, 'gpt-4o', 3);
    expect(b).toMatchObject({
      id: BURST_BACKEND_ID,
      tier: 'burst',
      capabilities: ['vision', 'tools'],
      canContinue: false,
      capacity: { slots: BURST_MAX_IN_FLIGHT, inFlight: 3 },
    });
  });
});

describe('the burst tier in chooseBackend', () => {
  const [azure] = burstBackends(parseBurstModels('m1:vision'), 'm1', 0);
  if (azure === undefined) throw new Error('no burst backend');
  const full = { slots: 2, inFlight: 2, queued: 0, vramFreeBytes: null };
  const choose = (backends: Parameters<typeof chooseBackend>[0]) =>
    chooseBackend(backends, { model: 'm1' }, EMPTY, T0, () => 0.5, {
      ...DEFAULT_CHOOSE,
      queueOnFullNodes: true,
    });
  const chosen = (c: ReturnType<typeof choose>) => (c.kind === 'backend' ? c.backend.id : c.kind);

  it('comes after healthy nodes and upstreams, before suspect ones and queueing', () => {
    const node = testBackend('node');
    const cloud = testBackend('cloud', { tier: 'upstream', canContinue: false });
    expect(chosen(choose([azure, cloud, node]))).toBe('node');
    expect(chosen(choose([azure, cloud, { ...node, capacity: full }]))).toBe('cloud');
    // All nodes busy: the burst tier, not a queue on a full node.
    expect(chosen(choose([azure, { ...node, capacity: full }]))).toBe(BURST_BACKEND_ID);
    expect(chosen(choose([azure, { ...node, suspect: true }]))).toBe(BURST_BACKEND_ID);
    expect(chosen(choose([{ ...azure, capacity: { ...azure.capacity, inFlight: 64 } }]))).toBe(
      'no_capacity',
    );
  });

  it('takes a request with image parts that no node model can see', () => {
    const blind = testBackend('node', { capabilities: [] });
    const capable = capableBackends([blind, azure], VISION, 'm1');
    expect(chosen(choose(capable))).toBe(BURST_BACKEND_ID);
  });
});
