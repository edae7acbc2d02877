import type { ActionRequest } from '../actions/actions-context.ts';
import { Modal } from './modal.tsx';

interface ConfirmDialogProps {
  readonly request: ActionRequest | null;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/** Asks before any action; Cancel has the focus first, so Enter alone changes nothing. */
export function ConfirmDialog({ request, onConfirm, onCancel }: ConfirmDialogProps) {
  return (
    <Modal
      open={request !== null}
      titleId="confirm-title"
      descriptionId="confirm-detail"
      onClose={onCancel}
    >
      <h2 id="confirm-title">{request?.question}</h2>
      <p id="confirm-detail">{request?.detail}</p>
      <div class="dialog-actions">
        <button type="button" data-autofocus onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="primary" onClick={onConfirm}>
          Confirm
        </button>
      </div>
    </Modal>
  );
}
