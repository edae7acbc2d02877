// The dashboard in a real Chromium against a real fleet: log in, watch nodes and traffic, act on
// nodes and keys, and read the audit log, driving the page only by roles and accessible names.
import { DASHBOARD_COOKIE, type AuditEntry } from '@proxima/core/dashboard';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiClient, startTestFleet, type TestFleet } from '../fleet.ts';
import { adminJson, modelsStatus } from './admin.ts';
import { chromiumSkipReason, launchChromium } from './chromium.ts';
import {
  confirm,
  nodeRow,
  nodeState,
  openDashboard,
  outcome,
  overviewRequests,
  region,
  submitLogin,
  waitForLiveFrame,
} from './dashboard-page.ts';
import { screenshot } from './screenshots.ts';
import { until } from './until.ts';

const skip = chromiumSkipReason();
if (skip !== null) console.warn(skip);

interface NodeListing {
  readonly nodes: ReadonlyArray<{ readonly nodeId: string; readonly draining: boolean }>;
}

describe.skipIf(skip !== null)('the dashboard in Chromium', () => {
  let t: TestFleet | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  const fleet = () => {
    if (!t) throw new Error('no fleet');
    return t;
  };
  const live = () => {
    if (!page) throw new Error('no page');
    return page;
  };
  /** What the test did through the page, to find again in the audit log. */
  const done: { keyId?: string; key?: string } = {};

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestFleet(1), launchChromium()]);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('a wrong token shows an error and sets no cookie', async () => {
    const other = await (browser as Browser).newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await other.newPage();
      await openDashboard(p, fleet().fleet.info.url);
      await p.getByRole('button', { name: 'Log in', exact: true }).waitFor();
      await screenshot(p, 'login');
      await submitLogin(p, 'pxa_not-the-admin-token');
      await expect
        .poll(async () => (await p.getByRole('alert').count()) > 0, { timeout: 10_000 })
        .toBe(true);
      expect(await p.getByRole('alert').textContent()).toMatch(/Login failed: .*wrong/i);
      expect((await other.cookies()).map((c) => c.name)).not.toContain(DASHBOARD_COOKIE);
      expect(await region(p, 'Overview').count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('logs in through the form: an HttpOnly session cookie and the live view', async () => {
    const p = live();
    await openDashboard(p, fleet().fleet.info.url);
    await submitLogin(p, fleet().fleet.adminToken);
    await waitForLiveFrame(p);
    const cookie = (await context?.cookies())?.find((c) => c.name === DASHBOARD_COOKIE);
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    // The token field is gone and no script can read the session.
    expect(await p.evaluate('document.cookie')).toBe('');
    for (const name of ['Overview', 'Nodes', 'Backends', 'Keys and node tokens', 'Audit log'])
      expect(await region(p, name).count(), name).toBe(1);
    expect(await p.getByRole('navigation', { name: 'Sections' }).count()).toBe(1);
    await screenshot(p, 'overview');
  });

  it('shows a node when it connects, suspect when it is frozen, and gone when it stops', async () => {
    const p = live();
    const extra = await fleet().fleet.startNode('dash-extra');
    await extra.connected;
    await expect.poll(() => nodeState(p, 'dash-extra'), { timeout: 10_000 }).toBe('ready');
    await nodeRow(p, 'dash-extra').scrollIntoViewIfNeeded();
    await screenshot(p, 'nodes');
    // SIGSTOP freezes the process: its socket stays open but its heartbeats stop.
    const group = -(extra.child.process.pid ?? 0);
    process.kill(group, 'SIGSTOP');
    try {
      await expect.poll(() => nodeState(p, 'dash-extra'), { timeout: 15_000 }).toBe('suspect');
    } finally {
      process.kill(group, 'SIGCONT');
    }
    expect(await extra.child.stop('SIGTERM', 10_000)).toBe(0);
    await expect.poll(() => nodeState(p, 'dash-extra'), { timeout: 10_000 }).toBe('gone');
  });

  it('drains a node from the page and re-admits it', async () => {
    const p = live();
    const { url, adminToken } = {
      url: fleet().fleet.info.url,
      adminToken: fleet().fleet.adminToken,
    };
    const nodeId = fleet().fleet.nodes[0]?.nodeId ?? '';
    const draining = async () =>
      (await adminJson<NodeListing>(url, adminToken, '/admin/nodes')).nodes.find(
        (n) => n.nodeId === nodeId,
      )?.draining;

    await p.getByRole('button', { name: `Drain node ${nodeId}`, exact: true }).click();
    await confirm(p, `Drain node ${nodeId}?`);
    await expect.poll(() => outcome(p)).toBe(`Node ${nodeId} is draining.`);
    await expect.poll(() => nodeState(p, nodeId), { timeout: 10_000 }).toBe('draining');
    expect(await draining()).toBe(true);

    await p.getByRole('button', { name: `Re-admit node ${nodeId}`, exact: true }).click();
    await confirm(p, `Re-admit node ${nodeId}?`);
    await expect.poll(() => outcome(p)).toBe(`Node ${nodeId} is re-admitted.`);
    await expect.poll(() => nodeState(p, nodeId), { timeout: 10_000 }).toBe('ready');
    expect(await draining()).toBe(false);
  });

  it("moves the Overview's request total while traffic flows", async () => {
    const p = live();
    const { url, apiKey } = fleet().fleet.info;
    const before = await until(() => overviewRequests(p), 'a first request total');
    const seen = new Set<number>([before]);
    const bursts = 2;
    const perBurst = 10;
    for (let burst = 1; burst <= bursts; burst++) {
      const statuses = await Promise.all(
        Array.from({ length: perBurst }, () => modelsStatus(url, apiKey)),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
      const shown = await until(
        async () => {
          const n = await overviewRequests(p);
          return n !== undefined && n >= before + burst * perBurst ? n : undefined;
        },
        `the request total reaching ${before + burst * perBurst}`,
      );
      seen.add(shown);
    }
    // One chat through the official client: it counts as well.
    const chat = await openaiClient(fleet()).chat.completions.create({
      model: 'proxima-demo',
      messages: [{ role: 'user', content: 'Count me.' }],
      max_tokens: 2,
    });
    expect(chat.usage?.completion_tokens).toBeGreaterThan(0);
    await until(async () => {
      const n = await overviewRequests(p);
      return n !== undefined && n >= before + bursts * perBurst + 1 ? n : undefined;
    }, 'the chat counted');
    // The total moved after each burst, not only at the end.
    expect(seen.size).toBe(bursts + 1);
  });

  it('creates a key from the page, which works until it is revoked from the page', async () => {
    const p = live();
    const { url } = fleet().fleet.info;
    const keys = region(p, 'Keys and node tokens');
    await keys.getByLabel('Tenant', { exact: true }).fill('dash-tenant');
    await keys.getByLabel('Name (optional)', { exact: true }).fill('from-browser');
    await keys.getByRole('button', { name: 'Create key', exact: true }).click();
    await confirm(p, 'Create an API key for tenant dash-tenant?');
    const secret = p.getByRole('dialog', { name: 'New API key', exact: true });
    const field = secret.getByLabel('API key for tenant dash-tenant', { exact: true });
    await field.waitFor();
    const key = await field.inputValue();
    expect(key).toMatch(/^pxk_/);
    await secret.getByRole('button', { name: 'Done', exact: true }).click();
    await secret.waitFor({ state: 'hidden' });
    const created = /^Key (\S+) created for tenant dash-tenant\.$/.exec(await outcome(p));
    const keyId = created?.[1];
    if (keyId === undefined) throw new Error(`no key id in: ${await outcome(p)}`);
    Object.assign(done, { keyId, key });
    expect(await modelsStatus(url, key)).toBe(200);

    const revoke = p.getByRole('button', { name: `Revoke key ${keyId}`, exact: true });
    await revoke.scrollIntoViewIfNeeded();
    await screenshot(p, 'keys');
    await revoke.click();
    await confirm(p, `Revoke key ${keyId}?`);
    await expect.poll(() => outcome(p)).toBe(`Key ${keyId} is revoked.`);
    await until(
      async () => ((await modelsStatus(url, key)) === 401 ? true : undefined),
      'the revoked key refused',
      5_000,
    );
    // The page shows the key as revoked, and never the secret again.
    expect(await keys.textContent()).not.toContain(key);
  });

  it('lists those actions in the audit log, without the secret', async () => {
    const p = live();
    const nodeId = fleet().fleet.nodes[0]?.nodeId ?? '';
    const audit = region(p, 'Audit log');
    await audit.getByRole('button', { name: 'Refresh audit log', exact: true }).click();
    const rowWith = (action: string, target: string) =>
      audit
        .getByRole('row')
        .filter({ has: p.getByRole('cell', { name: action, exact: true }) })
        .filter({ has: p.getByRole('cell', { name: target, exact: true }) });
    const expected: Array<[string, string]> = [
      ['login', 'dashboard'],
      ['node.drain', nodeId],
      ['node.readmit', nodeId],
      ['key.create', 'tenant dash-tenant'],
      ['key.revoke', done.keyId ?? '?'],
    ];
    for (const [action, target] of expected) {
      await expect
        .poll(async () => (await rowWith(action, target).count()) > 0, { timeout: 10_000 })
        .toBe(true);
    }
    // The wrong token's try is there too, refused.
    expect(await rowWith('login', 'dashboard').filter({ hasText: 'refused' }).count()).toBe(1);
    expect(await audit.textContent()).not.toContain(done.key ?? '?');
    // The same log through the admin API, newest first.
    const { entries } = await adminJson<{ entries: AuditEntry[] }>(
      fleet().fleet.info.url,
      fleet().fleet.adminToken,
      '/admin/audit',
    );
    expect(entries.map((e) => e.action).slice(0, 4)).toEqual([
      'key.revoke',
      'key.create',
      'node.readmit',
      'node.drain',
    ]);
    await audit.scrollIntoViewIfNeeded();
    await screenshot(p, 'audit');
  });

  it('fits a phone: 390×844 without sideways scrolling of the page', async () => {
    const p = live();
    await p.setViewportSize({ width: 390, height: 844 });
    await p.evaluate('window.scrollTo(0, 0)');
    await waitForLiveFrame(p);
    expect(await p.getByRole('navigation', { name: 'Sections' }).isVisible()).toBe(true);
    const overflow = await p.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBe(0);
    await screenshot(p, 'phone');
  });
});
