// The dashboard's first meaningful paint in Chromium: from navigation to the first live frame
// drawn (the Overview's request total shows a number), with a cold cache each time.
import { DASHBOARD_ACTION_HEADER, DASHBOARD_PATHS } from '@proxima/core/dashboard';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../../tests/dashboard/chromium.ts';

export type FirstPaint =
  | { readonly ok: true; readonly samplesMs: readonly number[] }
  | { readonly ok: false; readonly reason: string };

/** What the predicate below touches in the page (this project compiles without the DOM lib). */
interface PageGlobals {
  readonly document: {
    querySelectorAll(selector: string): ArrayLike<{
      readonly textContent: string | null;
      readonly nextElementSibling: { readonly textContent: string | null } | null;
    }>;
  };
  readonly performance: { now(): number };
}

/**
 * Runs in the page (a function, not a string: the page's CSP forbids eval): performance.now()
 * once the Overview's "Requests" row holds a number, else false.
 */
function paintedAt(): number | false {
  const { document, performance } = globalThis as unknown as PageGlobals;
  const head = Array.from(document.querySelectorAll('#overview th[scope=row]')).find(
    (th) => th.textContent?.trim() === 'Requests',
  );
  const text = head?.nextElementSibling?.textContent ?? '';
  return /\d/.test(text) ? performance.now() : false;
}

async function onePaint(browser: Browser, baseUrl: string, adminToken: string): Promise<number> {
  // A fresh context: no cache, no cookie but the session made for it.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const login = await context.request.post(new URL(DASHBOARD_PATHS.login, baseUrl).href, {
      headers: { [DASHBOARD_ACTION_HEADER]: '1' },
      data: { token: adminToken },
    });
    if (login.status() !== 200) throw new Error(`login: ${login.status()}`);
    const page = await context.newPage();
    await page.goto(new URL(DASHBOARD_PATHS.page, baseUrl).href, { waitUntil: 'commit' });
    const painted = await page.waitForFunction(paintedAt, undefined, { timeout: 20_000 });
    return Number(await painted.jsonValue());
  } finally {
    await context.close();
  }
}

export async function measureFirstPaint(
  baseUrl: string,
  adminToken: string,
  samples: number,
): Promise<FirstPaint> {
  const missing = chromiumMissing();
  if (missing !== null) return { ok: false, reason: missing };
  const browser = await launchChromium();
  try {
    // One unmeasured load: Chromium's own first start-up is not the page's cost.
    await onePaint(browser, baseUrl, adminToken);
    const samplesMs: number[] = [];
    for (let i = 0; i < samples; i++) samplesMs.push(await onePaint(browser, baseUrl, adminToken));
    return { ok: true, samplesMs };
  } finally {
    await browser.close();
  }
}
