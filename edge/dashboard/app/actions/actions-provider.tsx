import type { ComponentChildren } from 'preact';
import { useCallback, useMemo, useState } from 'preact/hooks';
import { errorText } from '../api/client.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import {
  type ActionRequest,
  type Actions,
  ActionsContext,
  type Outcome,
} from './actions-context.ts';

/** Holds the pending confirmation and the last outcome; renders the confirmation dialog. */
export function ActionsProvider({ children }: { children: ComponentChildren }) {
  const [pending, setPending] = useState<ActionRequest | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [settled, setSettled] = useState(0);

  const act = useCallback((request: ActionRequest) => setPending(request), []);
  const cancel = useCallback(() => setPending(null), []);
  const confirm = useCallback(() => {
    if (!pending) return;
    setPending(null);
    setOutcome({ text: `${pending.name}: working…`, ok: true });
    void pending
      .run()
      .then(
        (text) => setOutcome({ text, ok: true }),
        (err: unknown) =>
          setOutcome({ text: `${pending.name} failed: ${errorText(err)}`, ok: false }),
      )
      .finally(() => setSettled((n) => n + 1));
  }, [pending]);

  const value = useMemo<Actions>(() => ({ act, outcome, settled }), [act, outcome, settled]);
  return (
    <ActionsContext.Provider value={value}>
      {children}
      <ConfirmDialog request={pending} onConfirm={confirm} onCancel={cancel} />
    </ActionsContext.Provider>
  );
}
