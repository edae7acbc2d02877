// WCAG 2.1 A/AA checks by axe-core on the dashboard as a browser renders it: the login form, the
// live view on a desktop and a phone, and the confirmation dialog open.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFleet, type TestFleet } from '../fleet.ts';
import { axeViolations, describeViolations } from './axe.ts';
import { chromiumSkipReason, launchChromium } from './chromium.ts';
import { openDashboard, region, submitLogin, waitForLiveFrame } from './dashboard-page.ts';

const skip = chromiumSkipReason();
if (skip !== null) console.warn(skip);

async function expectNoViolations(page: Page, where: string): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length > 0) console.log(describeViolations(where, violations));
  expect(violations.map((v) => v.id)).toEqual([]);
}

describe.skipIf(skip !== null)('dashboard accessibility (axe-core, WCAG 2.1 AA)', () => {
  let t: TestFleet | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const live = () => {
    if (!page) throw new Error('no page');
    return page;
  };

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestFleet(1), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('the login view, and its error', async () => {
    const p = live();
    await openDashboard(p, t?.fleet.info.url ?? '');
    await p.getByRole('button', { name: 'Log in', exact: true }).waitFor();
    await expectNoViolations(p, 'login');
    await submitLogin(p, 'pxa_not-the-admin-token');
    await p.getByRole('alert').waitFor();
    await expectNoViolations(p, 'login error');
  });

  it('the live view at 1280×800', async () => {
    const p = live();
    await submitLogin(p, t?.fleet.adminToken ?? '');
    await waitForLiveFrame(p);
    // The lists loaded apart from the stream are there too.
    await region(p, 'Keys and node tokens').getByRole('table', { name: 'API keys' }).waitFor();
    await region(p, 'Audit log').getByRole('table').waitFor();
    await expectNoViolations(p, 'live 1280x800');
  });

  it('the live view at 390×844', async () => {
    const p = live();
    await p.setViewportSize({ width: 390, height: 844 });
    await waitForLiveFrame(p);
    await expectNoViolations(p, 'live 390x844');
    await p.setViewportSize({ width: 1280, height: 800 });
  });

  it('with the confirmation dialog open', async () => {
    const p = live();
    const nodeId = t?.fleet.nodes[0]?.nodeId ?? '';
    await p.getByRole('button', { name: `Drain node ${nodeId}`, exact: true }).click();
    const dialog = p.getByRole('dialog', { name: `Drain node ${nodeId}?`, exact: true });
    await dialog.waitFor();
    await expectNoViolations(p, 'confirm dialog');
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('sees a planted violation (the check itself works)', async () => {
    const p = live();
    await p.evaluate(
      "document.body.append(Object.assign(document.createElement('img'), { src: 'data:,' }))",
    );
    const violations = await axeViolations(p);
    expect(violations.map((v) => v.id)).toContain('image-alt');
  });
});
