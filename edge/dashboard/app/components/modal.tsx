import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

interface ModalProps {
  readonly open: boolean;
  /** Id of the heading that names the dialog. */
  readonly titleId: string;
  readonly descriptionId?: string;
  /** Called however it closes: a button, Escape, or `open` turning false. */
  readonly onClose: () => void;
  readonly children: ComponentChildren;
}

/**
 * A modal `<dialog>`: showModal() keeps focus inside and closes on Escape; focus starts on the
 * element marked `data-autofocus` and returns to whatever opened it.
 */
export function Modal({ open, titleId, descriptionId, onClose, children }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current =
        document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  const closed = () => {
    const back = opener.current;
    opener.current = null;
    // The opener may be gone (a revoked key's row); then focus goes to the main region.
    if (back?.isConnected) back.focus();
    else document.getElementById('main')?.focus();
    onClose();
  };

  return (
    <dialog
      ref={ref}
      class="modal"
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      onClose={closed}
    >
      {open ? children : null}
    </dialog>
  );
}
