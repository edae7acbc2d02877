import { DASHBOARD_PATHS, type LoginRequest, type SessionView } from '@proxima/core/dashboard';
import { useState } from 'preact/hooks';
import type { TargetedSubmitEvent } from 'preact';
import { errorText } from '../api/client.ts';
import { useApi } from '../api/api-context.ts';

interface LoginFormProps {
  /** Why the form is shown again (a session that ended), if it is. */
  readonly notice: string | null;
  readonly onLoggedIn: (session: SessionView) => void;
}

/** The admin token goes once into the login POST; the field is cleared at once, nothing is kept. */
export function LoginForm({ notice, onLoggedIn }: LoginFormProps) {
  const api = useApi();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const token = new FormData(form).get('token');
    form.reset();
    if (typeof token !== 'string' || token === '') {
      setError('Enter the admin token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body: LoginRequest = { token };
      onLoggedIn(await api.send<SessionView>('POST', DASHBOARD_PATHS.login, body));
    } catch (err) {
      setError(`Login failed: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login" tabIndex={-1}>
      <h1>Proxima dashboard</h1>
      {notice ? <p class="note">{notice}</p> : null}
      <form class="login-form" aria-labelledby="login-title" onSubmit={(e) => void submit(e)}>
        <h2 id="login-title">Log in</h2>
        <label for="login-token">Admin token</label>
        <input
          id="login-token"
          name="token"
          type="password"
          required
          autocomplete="off"
          aria-describedby={error ? 'login-error' : undefined}
        />
        <button type="submit" class="primary" disabled={busy}>
          Log in
        </button>
        {error ? (
          <p id="login-error" role="alert" class="error">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
