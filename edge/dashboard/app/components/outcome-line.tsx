import { useActions } from '../actions/actions-context.ts';

/** The result of the last action, announced politely; always in the page so it is announced. */
export function OutcomeLine() {
  const { outcome } = useActions();
  return (
    <p role="status" class={outcome && !outcome.ok ? 'outcome outcome-failed' : 'outcome'}>
      {outcome?.text ?? ''}
    </p>
  );
}
