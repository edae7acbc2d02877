import type { ComponentChildren } from 'preact';

interface TableFrameProps {
  /** Id for the caption, which also names the scrolling group. */
  readonly id: string;
  readonly caption: string;
  readonly children: ComponentChildren;
}

/** A captioned table that scrolls sideways inside its own focusable frame on narrow screens. */
export function TableFrame({ id, caption, children }: TableFrameProps) {
  return (
    <div class="table-frame" role="group" aria-labelledby={id} tabIndex={0}>
      <table>
        <caption id={id}>{caption}</caption>
        {children}
      </table>
    </div>
  );
}
