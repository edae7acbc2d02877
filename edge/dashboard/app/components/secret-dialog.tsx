import { useRef, useState } from 'preact/hooks';
import { Modal } from './modal.tsx';

interface SecretDialogProps {
  /** The new key's secret; null when closed. It lives only in this dialog while it is open. */
  readonly secret: { readonly key: string; readonly tenant: string } | null;
  readonly onClose: () => void;
}

/** Shows a new API key once, with a copy button and a warning that it will not be shown again. */
export function SecretDialog({ secret, onClose }: SecretDialogProps) {
  const input = useRef<HTMLInputElement>(null);
  const [copyNote, setCopyNote] = useState('');

  const copy = async () => {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret.key);
      setCopyNote('Copied to the clipboard.');
    } catch {
      input.current?.select();
      setCopyNote('Could not copy; the key is selected, copy it with Ctrl+C or ⌘C.');
    }
  };
  const close = () => {
    setCopyNote('');
    onClose();
  };

  return (
    <Modal
      open={secret !== null}
      titleId="secret-title"
      descriptionId="secret-warning"
      onClose={close}
    >
      <h2 id="secret-title">New API key</h2>
      <p id="secret-warning" class="warning">
        <strong>Copy this key now.</strong> It will not be shown again; only its id is kept.
      </p>
      <label for="secret-value">API key for tenant {secret?.tenant}</label>
      <input
        id="secret-value"
        ref={input}
        class="secret"
        type="text"
        readOnly
        spellcheck={false}
        autocomplete="off"
        value={secret?.key ?? ''}
      />
      <p role="status" class="note">
        {copyNote}
      </p>
      <div class="dialog-actions">
        <button type="button" class="primary" data-autofocus onClick={() => void copy()}>
          Copy key
        </button>
        <button type="button" onClick={close}>
          Done
        </button>
      </div>
    </Modal>
  );
}
