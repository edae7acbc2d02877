import { createHash } from 'node:crypto';
import { DASHBOARD_PATHS } from '@proxima/core/dashboard';
import { bundleApp } from './bundle-app.ts';
import { htmlShell } from './html-shell.ts';

/** One file the edge serves, keyed by its URL path in the generated module. */
export interface DashboardFile {
  readonly body: string;
  readonly contentType: string;
  /** sha-256 hex of the body. */
  readonly etag: string;
}

export const ASSETS_PREFIX = `${DASHBOARD_PATHS.page}/assets/`;

export function sha256Hex(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

function file(body: string, contentType: string): DashboardFile {
  return { body, contentType, etag: sha256Hex(body) };
}

/** An asset's URL: the content hash in the name, so it can be cached for good. */
function hashedPath(stem: string, ext: string, f: DashboardFile): string {
  return `${ASSETS_PREFIX}${stem}-${f.etag.slice(0, 16)}.${ext}`;
}

/** Builds the page: path → file, the HTML shell at DASHBOARD_PATHS.page. */
export async function buildDashboardFiles(): Promise<Record<string, DashboardFile>> {
  const bundle = await bundleApp();
  const js = file(bundle.js, 'text/javascript; charset=utf-8');
  const css = file(bundle.css, 'text/css; charset=utf-8');
  const jsPath = hashedPath('app', 'js', js);
  const cssPath = hashedPath('app', 'css', css);
  const html = file(htmlShell(jsPath, cssPath), 'text/html; charset=utf-8');
  return { [DASHBOARD_PATHS.page]: html, [jsPath]: js, [cssPath]: css };
}
