import type { DashboardSnapshot, DashboardTenantUsage } from '@proxima/core/dashboard';
import { Panel } from '../components/panel.tsx';
import { TableFrame } from '../components/table-frame.tsx';
import { Unavailable } from '../components/unavailable.tsx';
import { formatCount } from '../format.ts';

function TenantRow({ usage, most }: { usage: DashboardTenantUsage; most: number }) {
  const share = most > 0 ? (100 * usage.requests) / most : 0;
  return (
    <tr>
      <th scope="row">{usage.tenant}</th>
      <td class="num">
        <span class="bar-cell">
          {/* Decorative: the number beside it says the same. */}
          <span class="bar" aria-hidden="true">
            <span class="bar-fill" style={{ width: `${share.toFixed(1)}%` }} />
          </span>
          {formatCount(usage.requests)}
        </span>
      </td>
      <td class="num">{formatCount(usage.promptTokens)}</td>
      <td class="num">{formatCount(usage.completionTokens)}</td>
      <td class="num">{formatCount(usage.cacheHits)}</td>
      <td class="num">{formatCount(usage.errors)}</td>
    </tr>
  );
}

export function TenantsSection({ snapshot }: { snapshot: DashboardSnapshot }) {
  const { tenants, problems } = snapshot;
  if (tenants === null) {
    return (
      <Panel id="tenants" title="Usage per tenant">
        <Unavailable part="tenants" problems={problems} />
      </Panel>
    );
  }
  const sorted = [...tenants].sort(
    (a, b) => b.requests - a.requests || a.tenant.localeCompare(b.tenant),
  );
  const most = sorted[0]?.requests ?? 0;
  return (
    <Panel id="tenants" title="Usage per tenant">
      {sorted.length === 0 ? (
        <p>No usage in the last 24 hours.</p>
      ) : (
        <TableFrame id="tenants-caption" caption="The last 24 hours, busiest first">
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col" class="num">
                Requests
              </th>
              <th scope="col" class="num">
                Prompt tokens
              </th>
              <th scope="col" class="num">
                Completion tokens
              </th>
              <th scope="col" class="num">
                Cache hits
              </th>
              <th scope="col" class="num">
                Errors
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((u) => (
              <TenantRow key={u.tenant} usage={u} most={most} />
            ))}
          </tbody>
        </TableFrame>
      )}
    </Panel>
  );
}
