// Drives the dashboard by what a person (or a screen reader) sees: roles and accessible names.
import { DASHBOARD_PATHS } from '@proxima/core/dashboard';
import type { Locator, Page } from 'playwright-core';

export function region(page: Page, name: string): Locator {
  return page.getByRole('region', { name, exact: true });
}

export async function openDashboard(page: Page, baseUrl: string): Promise<void> {
  await page.goto(new URL(DASHBOARD_PATHS.page, baseUrl).href);
}

/** Fills the login form and submits it; does not wait for the outcome. */
export async function submitLogin(page: Page, token: string): Promise<void> {
  await page.getByLabel('Admin token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

/** The Overview's "Requests" total as the page shows it; undefined before the first frame. */
export async function overviewRequests(page: Page): Promise<number | undefined> {
  const cell = region(page, 'Overview')
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: 'Requests', exact: true }) })
    .getByRole('cell');
  if ((await cell.count()) !== 1) return undefined;
  const text = (await cell.textContent()) ?? '';
  const value = Number(text.replace(/,/g, ''));
  return text.trim() === '' || !Number.isFinite(value) ? undefined : value;
}

/** Waits for the first live frame: the Overview shows its request total. */
export async function waitForLiveFrame(page: Page, timeoutMs = 15_000): Promise<void> {
  await region(page, 'Overview')
    .getByRole('rowheader', { name: 'Requests', exact: true })
    .waitFor({ timeout: timeoutMs });
}

export function nodeRow(page: Page, nodeId: string): Locator {
  return region(page, 'Nodes')
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: nodeId, exact: true }) });
}

/** The node's state word in the Nodes table; undefined while it is not listed. */
export async function nodeState(page: Page, nodeId: string): Promise<string | undefined> {
  const row = nodeRow(page, nodeId);
  if ((await row.count()) !== 1) return undefined;
  // The row header is the node id; the first plain cell is its state.
  return ((await row.getByRole('cell').first().textContent()) ?? '').trim();
}

/** Answers the confirmation dialog named by `question` with Confirm. */
export async function confirm(page: Page, question: string): Promise<void> {
  await page
    .getByRole('dialog', { name: question, exact: true })
    .getByRole('button', { name: 'Confirm', exact: true })
    .click();
}

/** The action outcome line's text. */
export async function outcome(page: Page): Promise<string> {
  return ((await page.getByRole('status').first().textContent()) ?? '').trim();
}
