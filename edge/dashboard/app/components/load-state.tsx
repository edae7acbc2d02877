interface LoadStateProps {
  readonly what: string;
  readonly loading: boolean;
  readonly error: string | null;
}

/** Says that a list is loading or why it could not be read; nothing once it is there. */
export function LoadState({ what, loading, error }: LoadStateProps) {
  if (error) {
    return (
      <p class="problem">
        <strong>Could not read {what}:</strong> {error}
      </p>
    );
  }
  return loading ? <p class="note">Loading {what}…</p> : null;
}
