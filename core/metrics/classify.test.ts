import { describe, expect, it } from 'vitest';
import { errorClass, routeGroup, statusClass } from './classify.ts';
import { ROUTE_GROUPS } from './limits.ts';

describe('request classification', () => {
  it('maps any path into the fixed route groups', () => {
    expect(routeGroup('/v1/chat/completions')).toBe('chat');
    expect(routeGroup('/v1/rag/docs/search')).toBe('rag');
    expect(routeGroup('/api/chat')).toBe('ollama');
    expect(routeGroup('/dashboard/api/stream')).toBe('dashboard');
    expect(routeGroup(`/v1/${'x'.repeat(5000)}`)).toBe('other');
    for (const p of ['/', '/v1/chat/completions', '/evil"label']) {
      expect(ROUTE_GROUPS).toContain(routeGroup(p));
    }
  });

  it('classes statuses', () => {
    expect(statusClass(204)).toBe('2xx');
    expect(statusClass(999)).toBe('other');
    expect(errorClass(200)).toBeNull();
    expect(errorClass(413)).toBe('client');
    expect(errorClass(403)).toBe('auth');
    expect(errorClass(429)).toBe('rate_limited');
    expect(errorClass(499)).toBe('client_closed');
    expect(errorClass(503)).toBe('backend');
    expect(errorClass(500)).toBe('server');
  });
});
