import type { ComponentChildren } from 'preact';

interface PanelProps {
  readonly id: string;
  readonly title: string;
  readonly children: ComponentChildren;
}

/** A section of the live view: a region landmark named by its heading, a target for the nav. */
export function Panel({ id, title, children }: PanelProps) {
  return (
    <section id={id} class="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}
