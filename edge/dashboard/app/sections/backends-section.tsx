import type { DashboardBackend, DashboardSnapshot } from '@proxima/core/dashboard';
import { Badge } from '../components/badge.tsx';
import { Panel } from '../components/panel.tsx';
import { TableFrame } from '../components/table-frame.tsx';
import { formatCount, formatMs } from '../format.ts';

const BREAKER_TONE = {
  closed: 'ok',
  half_open: 'warn',
  open: 'bad',
} as const satisfies Record<DashboardBackend['breaker'], string>;

export function BackendsSection({ snapshot }: { snapshot: DashboardSnapshot }) {
  const { backends } = snapshot;
  return (
    <Panel id="backends" title="Backends">
      <p class="note">Circuit breakers as this edge isolate sees them.</p>
      {backends.length === 0 ? (
        <p>No backend has been used yet.</p>
      ) : (
        <TableFrame id="backends-caption" caption="Breaker states">
          <thead>
            <tr>
              <th scope="col">Backend</th>
              <th scope="col">Breaker</th>
              <th scope="col" class="num">
                Latency
              </th>
              <th scope="col" class="num">
                Failures in a row
              </th>
              <th scope="col" class="num">
                Retry after
              </th>
            </tr>
          </thead>
          <tbody>
            {backends.map((b) => (
              <tr key={b.id}>
                <th scope="row">{b.id}</th>
                <td>
                  <Badge text={b.breaker.replace('_', ' ')} tone={BREAKER_TONE[b.breaker]} />
                </td>
                <td class="num">{b.latencyMs === null ? 'unknown' : formatMs(b.latencyMs)}</td>
                <td class="num">{formatCount(b.consecutiveFailures)}</td>
                <td class="num">{b.retryAfterMs > 0 ? formatMs(b.retryAfterMs) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </TableFrame>
      )}
    </Panel>
  );
}
