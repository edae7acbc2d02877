import type { DashboardTotals } from '@proxima/core/dashboard';
import { TableFrame } from '../components/table-frame.tsx';
import { formatCount } from '../format.ts';

/** Counters since the edge's metrics began, and errors by class. */
export function TotalsTables({ totals }: { totals: DashboardTotals }) {
  const rows: [string, number][] = [
    ['Requests', totals.requests],
    ['Errors', totals.errors],
    ['Prompt tokens', totals.promptTokens],
    ['Completion tokens', totals.completionTokens],
    ['Cache hits (exact)', totals.cacheHits],
    ['Cache hits (semantic)', totals.cacheSemanticHits],
    ['Cache misses', totals.cacheMisses],
  ];
  const classes = Object.entries(totals.errorsByClass).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div class="totals">
      <TableFrame
        id="totals-caption"
        caption="Fleet traffic since the edge's metrics began (API routes; admin, dashboard and metrics calls are in /metrics only)"
      >
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td class="num">{formatCount(value)}</td>
            </tr>
          ))}
        </tbody>
      </TableFrame>
      <TableFrame id="error-classes-caption" caption="Errors by class">
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col" class="num">
              Errors
            </th>
          </tr>
        </thead>
        <tbody>
          {classes.length === 0 ? (
            <tr>
              <td colSpan={2}>No errors.</td>
            </tr>
          ) : (
            classes.map(([name, count]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td class="num">{formatCount(count)}</td>
              </tr>
            ))
          )}
        </tbody>
      </TableFrame>
    </div>
  );
}
