import { DASHBOARD_PATHS } from '@proxima/core/dashboard';
import { useActions } from '../actions/actions-context.ts';
import { useApi } from '../api/api-context.ts';
import type { NodeTokenRow } from '../api/rows.ts';
import { TableFrame } from '../components/table-frame.tsx';
import { formatTime } from '../format.ts';

function RevokeToken({ row }: { row: NodeTokenRow }) {
  const api = useApi();
  const { act } = useActions();
  const bound =
    row.nodeId === null ? 'It is not bound to a node yet.' : `Node ${row.nodeId} is disconnected.`;
  const revoke = () =>
    act({
      name: `Revoke node token ${row.id}`,
      question: `Revoke node token ${row.id}?`,
      detail: `No node can connect with it again. ${bound}`,
      run: async () => {
        await api.send('DELETE', DASHBOARD_PATHS.nodeToken(row.id));
        return `Node token ${row.id} is revoked.`;
      },
    });
  return (
    <button type="button" class="danger" onClick={revoke}>
      Revoke<span class="sr-only"> node token {row.id}</span>
    </button>
  );
}

export function NodeTokensTable({ tokens }: { tokens: readonly NodeTokenRow[] }) {
  if (tokens.length === 0) return <p>No node tokens.</p>;
  return (
    <TableFrame id="node-tokens-caption" caption="Node tokens">
      <thead>
        <tr>
          <th scope="col">Token id</th>
          <th scope="col">Name</th>
          <th scope="col">Node</th>
          <th scope="col">Created</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        {tokens.map((row) => (
          <tr key={row.id}>
            <th scope="row">
              <code>{row.id}</code>
            </th>
            <td>{row.name || '–'}</td>
            <td>{row.nodeId ?? 'not bound yet'}</td>
            <td>{row.createdAt === undefined ? '–' : formatTime(row.createdAt)}</td>
            <td>{row.revoked ? 'revoked' : <RevokeToken row={row} />}</td>
          </tr>
        ))}
      </tbody>
    </TableFrame>
  );
}
