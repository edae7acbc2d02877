import { DASHBOARD_PATHS } from '@proxima/core/dashboard';
import { useActions } from '../actions/actions-context.ts';
import { useApi } from '../api/api-context.ts';
import type { KeyRow } from '../api/rows.ts';
import { TableFrame } from '../components/table-frame.tsx';
import { formatTime } from '../format.ts';

function RevokeKey({ row }: { row: KeyRow }) {
  const api = useApi();
  const { act } = useActions();
  const revoke = () =>
    act({
      name: `Revoke key ${row.id}`,
      question: `Revoke key ${row.id}?`,
      detail: `Tenant ${row.tenant} can no longer call the API with it; every edge refuses it within a second.`,
      run: async () => {
        await api.send('DELETE', DASHBOARD_PATHS.key(row.id));
        return `Key ${row.id} is revoked.`;
      },
    });
  return (
    <button type="button" class="danger" onClick={revoke}>
      Revoke<span class="sr-only"> key {row.id}</span>
    </button>
  );
}

export function KeysTable({ keys }: { keys: readonly KeyRow[] }) {
  if (keys.length === 0) return <p>No API keys.</p>;
  return (
    <TableFrame id="keys-caption" caption="API keys">
      <thead>
        <tr>
          <th scope="col">Key id</th>
          <th scope="col">Tenant</th>
          <th scope="col">Name</th>
          <th scope="col">Created</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((row) => (
          <tr key={row.id}>
            <th scope="row">
              <code>{row.id}</code>
            </th>
            <td>{row.tenant}</td>
            <td>{row.name || '–'}</td>
            <td>{row.createdAt === undefined ? '–' : formatTime(row.createdAt)}</td>
            <td>{row.revoked ? 'revoked' : <RevokeKey row={row} />}</td>
          </tr>
        ))}
      </tbody>
    </TableFrame>
  );
}
