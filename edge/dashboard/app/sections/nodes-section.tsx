import {
  DASHBOARD_PATHS,
  type DashboardNode,
  type DashboardSnapshot,
} from '@proxima/core/dashboard';
import { useActions } from '../actions/actions-context.ts';
import { useApi } from '../api/api-context.ts';
import { Badge } from '../components/badge.tsx';
import { Panel } from '../components/panel.tsx';
import { TableFrame } from '../components/table-frame.tsx';
import { Unavailable } from '../components/unavailable.tsx';
import { formatAge, formatBytes, formatCount } from '../format.ts';
import { NODE_STATE_TONE } from './node-state.ts';

function NodeActions({ node }: { node: DashboardNode }) {
  const api = useApi();
  const { act } = useActions();
  const drain = () =>
    act({
      name: `Drain node ${node.id}`,
      question: `Drain node ${node.id}?`,
      detail: 'It takes no new requests; the ones in flight finish.',
      run: async () => {
        await api.send('POST', DASHBOARD_PATHS.drain(node.id));
        return `Node ${node.id} is draining.`;
      },
    });
  const readmit = () =>
    act({
      name: `Re-admit node ${node.id}`,
      question: `Re-admit node ${node.id}?`,
      detail: 'It takes new requests again.',
      run: async () => {
        await api.send('POST', DASHBOARD_PATHS.readmit(node.id));
        return `Node ${node.id} is re-admitted.`;
      },
    });
  return node.state === 'draining' ? (
    <button type="button" onClick={readmit}>
      Re-admit<span class="sr-only"> node {node.id}</span>
    </button>
  ) : (
    <button type="button" onClick={drain}>
      Drain<span class="sr-only"> node {node.id}</span>
    </button>
  );
}

function NodeRow({ node }: { node: DashboardNode }) {
  return (
    <tr>
      <th scope="row">{node.id}</th>
      <td>
        <Badge text={node.state} tone={NODE_STATE_TONE[node.state]} />
      </td>
      <td>
        {node.engine}
        <span class="sub">{node.gpu}</span>
      </td>
      <td>{node.models.length === 0 ? 'none' : node.models.join(', ')}</td>
      <td class="num">{formatCount(node.slots)}</td>
      <td class="num">{formatCount(node.inFlight)}</td>
      <td class="num">{formatCount(node.queued)}</td>
      <td class="num">{formatBytes(node.vramFreeBytes)}</td>
      <td class="num">{formatAge(node.heartbeatAgeMs)}</td>
      <td>
        {node.alerts.length === 0 ? (
          'none'
        ) : (
          <ul class="alerts">
            {node.alerts.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        )}
      </td>
      <td>
        <NodeActions node={node} />
      </td>
    </tr>
  );
}

export function NodesSection({ snapshot }: { snapshot: DashboardSnapshot }) {
  const { nodes, problems } = snapshot;
  return (
    <Panel id="nodes" title="Nodes">
      {nodes === null ? (
        <Unavailable part="nodes" problems={problems} />
      ) : nodes.length === 0 ? (
        <p>No node is connected.</p>
      ) : (
        <TableFrame id="nodes-caption" caption={`${nodes.length} nodes`}>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">State</th>
              <th scope="col">Engine</th>
              <th scope="col">Models</th>
              <th scope="col" class="num">
                Slots
              </th>
              <th scope="col" class="num">
                In flight
              </th>
              <th scope="col" class="num">
                Queued
              </th>
              <th scope="col" class="num">
                Free VRAM
              </th>
              <th scope="col" class="num">
                Heartbeat
              </th>
              <th scope="col">Alerts</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((node) => (
              <NodeRow key={node.id} node={node} />
            ))}
          </tbody>
        </TableFrame>
      )}
    </Panel>
  );
}
