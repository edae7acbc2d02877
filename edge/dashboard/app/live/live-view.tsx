import { DASHBOARD_PATHS, type DashboardSnapshot, type SessionView } from '@proxima/core/dashboard';
import { useApi } from '../api/api-context.ts';
import { OutcomeLine } from '../components/outcome-line.tsx';
import { Panel } from '../components/panel.tsx';
import { SectionNav } from '../components/section-nav.tsx';
import { TopBar } from '../components/top-bar.tsx';
import { AuditSection } from '../sections/audit-section.tsx';
import { BackendsSection } from '../sections/backends-section.tsx';
import { BurstSection } from '../sections/burst-section.tsx';
import { KeysSection } from '../sections/keys-section.tsx';
import { NodesSection } from '../sections/nodes-section.tsx';
import { OverviewSection } from '../sections/overview-section.tsx';
import { RaftSection } from '../sections/raft-section.tsx';
import { RagSection } from '../sections/rag-section.tsx';
import { SECTIONS } from '../sections/section-list.ts';
import { TenantsSection } from '../sections/tenants-section.tsx';
import { useSnapshotStream } from './use-snapshot-stream.ts';

function SnapshotSections({ snapshot }: { snapshot: DashboardSnapshot }) {
  return (
    <>
      <OverviewSection snapshot={snapshot} />
      <NodesSection snapshot={snapshot} />
      <BackendsSection snapshot={snapshot} />
      <RagSection snapshot={snapshot} />
      <RaftSection snapshot={snapshot} />
      <BurstSection snapshot={snapshot} />
      <TenantsSection snapshot={snapshot} />
    </>
  );
}

/** Before the first frame the snapshot's sections still exist (the nav points at them), waiting. */
function WaitingSections() {
  const live = SECTIONS.filter((s) => s.id !== 'keys' && s.id !== 'audit');
  return (
    <>
      {live.map((s) => (
        <Panel key={s.id} id={s.id} title={s.title}>
          <p class="note">Waiting for the first update…</p>
        </Panel>
      ))}
    </>
  );
}

interface LiveViewProps {
  readonly session: SessionView;
  readonly onLoggedOut: () => void;
}

export function LiveView({ session, onLoggedOut }: LiveViewProps) {
  const api = useApi();
  const { snapshot, status, problem } = useSnapshotStream();
  const logout = () => {
    // The session ends on the server; the form comes back even when the call fails.
    api.send('POST', DASHBOARD_PATHS.logout).then(onLoggedOut, onLoggedOut);
  };

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to the dashboard
      </a>
      <TopBar session={session} status={status} at={snapshot?.at ?? null} onLogout={logout} />
      <div class="layout">
        <SectionNav />
        <main id="main" tabIndex={-1}>
          <OutcomeLine />
          {problem ? (
            <p class="problem">
              <strong>Stream:</strong> {problem}
            </p>
          ) : null}
          {snapshot ? <SnapshotSections snapshot={snapshot} /> : <WaitingSections />}
          <KeysSection />
          <AuditSection />
        </main>
      </div>
    </>
  );
}
