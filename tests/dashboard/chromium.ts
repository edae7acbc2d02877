// Debian's Chromium driven by playwright-core: no browser download, nothing fetched at run time.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Without the background-networking flags Chromium keeps dialling out on a closed network. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const MISSING = `${CHROMIUM_PATH} is missing (Debian package 'chromium': apt-get install chromium)`;

/**
 * Why the browser tests cannot run here, or null when they can. In CI a missing Chromium is not a
 * reason to skip: launchChromium fails there instead, so the gap shows.
 */
export function chromiumSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH) || process.env['CI']) return null;
  return `browser tests skipped: ${MISSING}`;
}

/** Why Chromium cannot be launched at all, or null (the bench reports this instead of failing). */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : MISSING;
}

export async function launchChromium(): Promise<Browser> {
  const missing = chromiumMissing();
  if (missing !== null) {
    throw new Error(
      process.env['CI'] ? `${missing}: .ci/run must install it before the tests` : missing,
    );
  }
  // playwright-core gives each launch a fresh user-data dir of its own.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}
