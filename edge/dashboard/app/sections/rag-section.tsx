import type { DashboardSnapshot } from '@proxima/core/dashboard';
import { Panel } from '../components/panel.tsx';
import { TableFrame } from '../components/table-frame.tsx';
import { Unavailable } from '../components/unavailable.tsx';
import { formatCount } from '../format.ts';

/** Documents and chunks are read every 15 s and only for the first 50 namespaces. */
const known = (n: number | null) => (n === null ? 'not read' : formatCount(n));

export function RagSection({ snapshot }: { snapshot: DashboardSnapshot }) {
  const { rag, problems } = snapshot;
  return (
    <Panel id="rag" title="RAG namespaces">
      {rag === null ? (
        <Unavailable part="rag" problems={problems} />
      ) : rag.length === 0 ? (
        <p>No RAG namespace yet.</p>
      ) : (
        <TableFrame id="rag-caption" caption={`${rag.length} namespaces`}>
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col">Namespace</th>
              <th scope="col" class="num">
                Documents
              </th>
              <th scope="col" class="num">
                Chunks
              </th>
              <th scope="col" class="num">
                Shards
              </th>
              <th scope="col" class="num">
                Directory version
              </th>
            </tr>
          </thead>
          <tbody>
            {rag.map((ns) => (
              <tr key={`${ns.tenant}/${ns.namespace}`}>
                <td>{ns.tenant}</td>
                <th scope="row">{ns.namespace}</th>
                <td class="num">{known(ns.documents)}</td>
                <td class="num">{known(ns.chunks)}</td>
                <td class="num">{formatCount(ns.shards)}</td>
                <td class="num">{formatCount(ns.directoryVersion)}</td>
              </tr>
            ))}
          </tbody>
        </TableFrame>
      )}
    </Panel>
  );
}
