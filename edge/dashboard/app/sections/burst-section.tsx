import type { DashboardSnapshot } from '@proxima/core/dashboard';
import { Panel } from '../components/panel.tsx';
import { Unavailable } from '../components/unavailable.tsx';
import { formatCount } from '../format.ts';

export function BurstSection({ snapshot }: { snapshot: DashboardSnapshot }) {
  const { burst, problems } = snapshot;
  return (
    <Panel id="burst" title="Burst jobs">
      {burst === null ? (
        <Unavailable part="burst" problems={problems} />
      ) : (
        <dl class="facts">
          <div>
            <dt>Azure burst</dt>
            <dd>{burst.configured ? 'configured' : 'not configured'}</dd>
          </div>
          <div>
            <dt>Jobs in flight</dt>
            <dd>{formatCount(burst.inFlight)}</dd>
          </div>
        </dl>
      )}
    </Panel>
  );
}
