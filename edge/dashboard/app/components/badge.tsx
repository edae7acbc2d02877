interface BadgeProps {
  readonly text: string;
  /** Picks the colour; the text always says the state, so colour is never the only cue. */
  readonly tone: 'ok' | 'warn' | 'bad' | 'info' | 'muted';
}

export function Badge({ text, tone }: BadgeProps) {
  return <span class={`badge badge-${tone}`}>{text}</span>;
}
