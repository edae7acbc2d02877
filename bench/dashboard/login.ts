import {
  DASHBOARD_ACTION_HEADER,
  DASHBOARD_COOKIE,
  DASHBOARD_PATHS,
} from '@proxima/core/dashboard';

/** Logs in with the admin token as the page does; returns the session as a Cookie header. */
export async function dashboardCookie(baseUrl: string, adminToken: string): Promise<string> {
  const res = await fetch(new URL(DASHBOARD_PATHS.login, baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', [DASHBOARD_ACTION_HEADER]: '1' },
    body: JSON.stringify({ token: adminToken }),
  });
  if (res.status !== 200) throw new Error(`dashboard login: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  const session = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((pair) => pair.startsWith(`${DASHBOARD_COOKIE}=`));
  if (session === undefined) throw new Error('dashboard login set no session cookie');
  return session;
}
