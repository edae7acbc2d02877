import { DASHBOARD_PATHS } from '@proxima/core/dashboard';
import { useState } from 'preact/hooks';
import type { CreatedKey, KeysList, NodeTokensList } from '../api/rows.ts';
import { useLoaded } from '../api/use-loaded.ts';
import { LoadState } from '../components/load-state.tsx';
import { Panel } from '../components/panel.tsx';
import { SecretDialog } from '../components/secret-dialog.tsx';
import { CreateKeyForm } from './create-key-form.tsx';
import { KeysTable } from './keys-table.tsx';
import { NodeTokensTable } from './node-tokens-table.tsx';

export function KeysSection() {
  const keys = useLoaded<KeysList>(DASHBOARD_PATHS.keys);
  const tokens = useLoaded<NodeTokensList>(DASHBOARD_PATHS.nodeTokens);
  const [secret, setSecret] = useState<{ key: string; tenant: string } | null>(null);
  const created = (c: CreatedKey) => setSecret({ key: c.key, tenant: c.tenant });

  return (
    <Panel id="keys" title="Keys and node tokens">
      <CreateKeyForm onCreated={created} />
      <LoadState what="the API keys" loading={keys.loading} error={keys.error} />
      {keys.data ? <KeysTable keys={keys.data.keys} /> : null}
      <LoadState what="the node tokens" loading={tokens.loading} error={tokens.error} />
      {tokens.data ? <NodeTokensTable tokens={tokens.data.tokens} /> : null}
      <SecretDialog secret={secret} onClose={() => setSecret(null)} />
    </Panel>
  );
}
