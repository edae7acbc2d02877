import { type AuditEntry, DASHBOARD_PATHS } from '@proxima/core/dashboard';
import { useLoaded } from '../api/use-loaded.ts';
import { Badge } from '../components/badge.tsx';
import { LoadState } from '../components/load-state.tsx';
import { Panel } from '../components/panel.tsx';
import { TableFrame } from '../components/table-frame.tsx';
import { formatTime } from '../format.ts';

const OUTCOME_TONE = {
  ok: 'ok',
  refused: 'warn',
  failed: 'bad',
} as const satisfies Record<AuditEntry['outcome'], string>;

function AuditTable({ entries }: { entries: readonly AuditEntry[] }) {
  if (entries.length === 0) return <p>No audited action yet.</p>;
  return (
    <TableFrame id="audit-caption" caption="Recent actions, newest first">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Who</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Outcome</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e, i) => (
          <tr key={`${e.at}-${i}`}>
            <th scope="row">{formatTime(e.at)}</th>
            <td>{e.subject}</td>
            <td>{e.action}</td>
            <td>{e.target}</td>
            <td>
              <Badge text={e.outcome} tone={OUTCOME_TONE[e.outcome]} />
            </td>
            <td>{e.detail || '–'}</td>
          </tr>
        ))}
      </tbody>
    </TableFrame>
  );
}

export function AuditSection() {
  const audit = useLoaded<{ entries: readonly AuditEntry[] }>(DASHBOARD_PATHS.audit);
  return (
    <Panel id="audit" title="Audit log">
      <button type="button" onClick={audit.reload} disabled={audit.loading}>
        Refresh audit log
      </button>
      <LoadState what="the audit log" loading={audit.loading} error={audit.error} />
      {audit.data ? <AuditTable entries={audit.data.entries} /> : null}
    </Panel>
  );
}
