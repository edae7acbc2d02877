import {
  DASHBOARD_EVENTS,
  DASHBOARD_PATHS,
  type DashboardSnapshot,
  type SessionView,
} from '@proxima/core/dashboard';
import { useEffect, useState } from 'preact/hooks';
import { useApi } from '../api/api-context.ts';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export interface SnapshotStream {
  readonly snapshot: DashboardSnapshot | null;
  readonly status: StreamStatus;
  /** The last problem the edge reported on the stream, cleared by the next snapshot. */
  readonly problem: string | null;
}

/** After the browser gives up on a stream (a non-200 answer), wait this long, then try again. */
const REOPEN_MS = 2000;

interface StreamProblem {
  readonly message: string;
  /** 401 when the session has ended. */
  readonly status: number | null;
}

function problemOf(data: unknown): StreamProblem {
  if (typeof data !== 'string') return { message: 'the stream reported an error', status: null };
  try {
    const parsed = JSON.parse(data) as { message?: unknown; status?: unknown };
    const status = typeof parsed.status === 'number' ? parsed.status : null;
    if (typeof parsed.message === 'string') return { message: parsed.message, status };
  } catch {
    // Plain text: shown as it is.
  }
  return { message: data, status: null };
}

/**
 * The live snapshots over SSE. EventSource reconnects by itself after a dropped connection; when
 * it gives up instead, the session is checked (a 401 returns to the login form) and it reopens.
 */
export function useSnapshotStream(): SnapshotStream {
  const api = useApi();
  const [snapshot, setSnapshot] = useState<DashboardSnapshot | null>(null);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    const open = () => {
      const es = new EventSource(DASHBOARD_PATHS.stream);
      source = es;
      es.addEventListener('open', () => setStatus('live'));
      es.addEventListener(DASHBOARD_EVENTS.snapshot, (event) => {
        setSnapshot(JSON.parse(String(event.data)) as DashboardSnapshot);
        setProblem(null);
        setStatus('live');
      });
      es.addEventListener(DASHBOARD_EVENTS.error, (event) => {
        const reported = problemOf(event.data);
        setProblem(reported.message);
        if (reported.status !== 401) return;
        // The session ended: the session check sends the page back to the login form.
        es.close();
        reopen();
      });
      es.addEventListener('error', () => {
        setStatus('reconnecting');
        if (es.readyState !== EventSource.CLOSED) return;
        es.close();
        timer = setTimeout(reopen, REOPEN_MS);
      });
    };
    const reopen = () => {
      if (stopped) return;
      api.get<SessionView>(DASHBOARD_PATHS.session).then(
        () => {
          if (!stopped) open();
        },
        () => {
          // A 401 has already sent the page to the login form; anything else: try again later.
          if (!stopped) timer = setTimeout(reopen, REOPEN_MS);
        },
      );
    };

    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [api]);

  return { snapshot, status, problem };
}
