import type { DashboardSnapshot } from '@proxima/core/dashboard';
import { useMemo } from 'preact/hooks';
import { Panel } from '../components/panel.tsx';
import { Unavailable } from '../components/unavailable.tsx';
import { overviewCharts } from './chart-lines.ts';
import { TimeChart } from './time-chart.tsx';
import { TotalsTables } from './totals-tables.tsx';

export function OverviewSection({ snapshot }: { snapshot: DashboardSnapshot }) {
  const { series, totals, problems } = snapshot;
  const charts = useMemo(() => (series ? overviewCharts(series) : []), [series]);
  return (
    <Panel id="overview" title="Overview">
      {series ? (
        <div class="charts">
          {charts.map((spec) => (
            <TimeChart key={spec.id} spec={spec} t={series.t} />
          ))}
        </div>
      ) : (
        <Unavailable part="series" problems={problems} />
      )}
      {totals ? (
        <TotalsTables totals={totals} />
      ) : (
        <Unavailable part="totals" problems={problems} />
      )}
    </Panel>
  );
}
