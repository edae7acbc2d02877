import type { DashboardRaft, DashboardSnapshot } from '@proxima/core/dashboard';
import { Badge } from '../components/badge.tsx';
import { Panel } from '../components/panel.tsx';
import { TableFrame } from '../components/table-frame.tsx';
import { Unavailable } from '../components/unavailable.tsx';
import { formatCount } from '../format.ts';

function known(n: number | null): string {
  return n === null ? 'unknown' : formatCount(n);
}

function RaftPeers({ raft }: { raft: DashboardRaft }) {
  return (
    <TableFrame id="raft-caption" caption="Peers">
      <thead>
        <tr>
          <th scope="col">Peer</th>
          <th scope="col">Role</th>
          <th scope="col">Reachable</th>
          <th scope="col" class="num">
            Term
          </th>
          <th scope="col" class="num">
            Commit
          </th>
          <th scope="col" class="num">
            Applied
          </th>
          <th scope="col" class="num">
            Lag
          </th>
        </tr>
      </thead>
      <tbody>
        {raft.peers.map((p) => (
          <tr key={p.id}>
            <th scope="row">{p.id}</th>
            <td>{p.role}</td>
            <td>
              <Badge text={p.reachable ? 'yes' : 'no'} tone={p.reachable ? 'ok' : 'bad'} />
            </td>
            <td class="num">{known(p.term)}</td>
            <td class="num">{known(p.commit)}</td>
            <td class="num">{known(p.applied)}</td>
            <td class="num">{known(p.lag)}</td>
          </tr>
        ))}
      </tbody>
    </TableFrame>
  );
}

export function RaftSection({ snapshot }: { snapshot: DashboardSnapshot }) {
  const { raft, problems } = snapshot;
  return (
    <Panel id="raft" title="Raft group">
      {raft === null ? (
        <Unavailable part="raft" problems={problems} />
      ) : (
        <>
          <dl class="facts">
            <div>
              <dt>Leader</dt>
              <dd>{raft.leader === 0 ? 'none now' : `peer ${raft.leader}`}</dd>
            </div>
            <div>
              <dt>Term</dt>
              <dd>{known(raft.term)}</dd>
            </div>
            <div>
              <dt>Commit index</dt>
              <dd>{known(raft.commit)}</dd>
            </div>
          </dl>
          <RaftPeers raft={raft} />
        </>
      )}
    </Panel>
  );
}
