import type { SessionView } from '@proxima/core/dashboard';
import type { StreamStatus } from '../live/use-snapshot-stream.ts';
import { formatTime } from '../format.ts';

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
};

interface TopBarProps {
  readonly session: SessionView;
  readonly status: StreamStatus;
  /** ms since the epoch of the latest snapshot, if any. */
  readonly at: number | null;
  readonly onLogout: () => void;
}

export function TopBar({ session, status, at, onLogout }: TopBarProps) {
  return (
    <header class="top-bar">
      <h1>Proxima dashboard</h1>
      <p class={`stream stream-${status}`} aria-live="polite" aria-atomic="true">
        <span class="dot" aria-hidden="true" />
        Stream: {STATUS_TEXT[status]}
      </p>
      <p class="updated">{at === null ? 'No update yet' : `Updated ${formatTime(at)}`}</p>
      <p class="who">
        Signed in as {session.subject}
        <span class="sub">until {formatTime(session.expiresAt)}</span>
      </p>
      <button type="button" onClick={onLogout}>
        Log out
      </button>
    </header>
  );
}
