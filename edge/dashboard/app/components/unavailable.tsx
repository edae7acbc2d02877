interface UnavailableProps {
  /** The snapshot part's name, as a key of `problems`. */
  readonly part: string;
  readonly problems: Readonly<Record<string, string>>;
}

/** Stands in for a snapshot part the edge could not read, saying why. */
export function Unavailable({ part, problems }: UnavailableProps) {
  return (
    <p class="problem">
      <strong>Not available:</strong> {problems[part] ?? 'the edge gave no reason.'}
    </p>
  );
}
