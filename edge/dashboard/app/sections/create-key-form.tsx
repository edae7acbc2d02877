import { DASHBOARD_PATHS } from '@proxima/core/dashboard';
import type { TargetedSubmitEvent } from 'preact';
import { useActions } from '../actions/actions-context.ts';
import { useApi } from '../api/api-context.ts';
import type { CreatedKey } from '../api/rows.ts';

interface CreateKeyFormProps {
  /** Receives the new key's secret, to show it once. */
  readonly onCreated: (created: CreatedKey) => void;
}

function textOf(fields: FormData, name: string): string {
  const value = fields.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

export function CreateKeyForm({ onCreated }: CreateKeyFormProps) {
  const api = useApi();
  const { act } = useActions();

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = new FormData(form);
    const tenant = textOf(fields, 'tenant');
    const name = textOf(fields, 'name');
    if (tenant === '') return;
    act({
      name: `Create a key for tenant ${tenant}`,
      question: `Create an API key for tenant ${tenant}?`,
      detail: 'Its secret is shown once, right after it is made.',
      run: async () => {
        const created = await api.send<CreatedKey>('POST', DASHBOARD_PATHS.keys, {
          tenant,
          ...(name === '' ? {} : { name }),
        });
        form.reset();
        onCreated(created);
        return `Key ${created.id} created for tenant ${tenant}.`;
      },
    });
  };

  return (
    <form class="inline-form" aria-labelledby="create-key-title" onSubmit={submit}>
      <h3 id="create-key-title">Create an API key</h3>
      <div class="field">
        <label for="key-tenant">Tenant</label>
        <input id="key-tenant" name="tenant" required autocomplete="off" spellcheck={false} />
      </div>
      <div class="field">
        <label for="key-name">Name (optional)</label>
        <input id="key-name" name="name" autocomplete="off" />
      </div>
      <button type="submit" class="primary">
        Create key
      </button>
    </form>
  );
}
