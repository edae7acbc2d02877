import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** An operator action: confirmed in a dialog first, then run, then its outcome announced. */
export interface ActionRequest {
  /** The action naming its target, e.g. 'Drain node gpu-1'; failures are reported under it. */
  readonly name: string;
  /** The confirmation dialog's heading, e.g. 'Drain node gpu-1?'. */
  readonly question: string;
  /** What will happen, in a sentence. */
  readonly detail: string;
  /** Calls the API; resolves to the sentence announced on success. */
  readonly run: () => Promise<string>;
}

export interface Outcome {
  readonly text: string;
  readonly ok: boolean;
}

export interface Actions {
  readonly act: (request: ActionRequest) => void;
  readonly outcome: Outcome | null;
  /** Counts finished actions, so lists that an action may change reload after one. */
  readonly settled: number;
}

export const ActionsContext = createContext<Actions | null>(null);

export function useActions(): Actions {
  const actions = useContext(ActionsContext);
  if (!actions) throw new Error('useActions outside ActionsProvider');
  return actions;
}
