import { DASHBOARD_PATHS, type SessionView } from '@proxima/core/dashboard';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ActionsProvider } from './actions/actions-provider.tsx';
import { ApiContext } from './api/api-context.ts';
import { createApi } from './api/client.ts';
import { LoginForm } from './components/login-form.tsx';
import { LiveView } from './live/live-view.tsx';

type View =
  | { readonly kind: 'checking' }
  | { readonly kind: 'login'; readonly notice: string | null }
  | { readonly kind: 'live'; readonly session: SessionView };

/** Login form or live view: a 401 from any call returns to the form. */
export function App() {
  const [view, setView] = useState<View>({ kind: 'checking' });
  const api = useMemo(
    () =>
      createApi(() =>
        setView((v) =>
          v.kind === 'live'
            ? { kind: 'login', notice: 'Your session has ended. Log in again.' }
            : v.kind === 'checking'
              ? { kind: 'login', notice: null }
              : v,
        ),
      ),
    [],
  );

  useEffect(() => {
    api.get<SessionView>(DASHBOARD_PATHS.session).then(
      (session) => setView({ kind: 'live', session }),
      () => setView({ kind: 'login', notice: null }),
    );
  }, [api]);

  let body;
  if (view.kind === 'checking') body = <p class="boot">Checking your session…</p>;
  else if (view.kind === 'login')
    body = (
      <LoginForm
        notice={view.notice}
        onLoggedIn={(session) => setView({ kind: 'live', session })}
      />
    );
  else
    body = (
      <ActionsProvider>
        <LiveView
          session={view.session}
          onLoggedOut={() => setView({ kind: 'login', notice: 'You have logged out.' })}
        />
      </ActionsProvider>
    );
  return <ApiContext.Provider value={api}>{body}</ApiContext.Provider>;
}
