/** Test pages: lines of text drawn with DejaVu Sans from node_modules (no system fonts). */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';

const FONT = 'DejaVu Sans (test)';
let registered = false;

function registerFont(): void {
  if (registered) return;
  const pkg = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json');
  if (GlobalFonts.registerFromPath(join(dirname(pkg), 'ttf', 'DejaVuSans.ttf'), FONT) === null)
    throw new Error('could not register DejaVuSans.ttf');
  registered = true;
}

export interface PageLayout {
  readonly lines: readonly string[];
  readonly width: number;
  readonly height: number;
  readonly fontSize: number;
  /** Distance between line tops in px; default 1.8 font sizes. */
  readonly lineSpacing?: number;
  readonly left?: number;
  readonly top?: number;
}

export interface RenderedPage {
  readonly bytes: Uint8Array;
  /** Where each line was drawn (left, top, right, bottom of its glyphs' advance box). */
  readonly boxes: readonly { left: number; top: number; right: number; bottom: number }[];
}

/** Black text on white, encoded as `format`. */
export async function renderPage(
  layout: PageLayout,
  format: 'png' | 'jpeg' | 'webp' = 'png',
): Promise<RenderedPage> {
  registerFont();
  const canvas = createCanvas(layout.width, layout.height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, layout.width, layout.height);
  ctx.fillStyle = '#000000';
  ctx.font = `${layout.fontSize}px "${FONT}"`;
  ctx.textBaseline = 'top';
  const left = layout.left ?? layout.fontSize;
  const top = layout.top ?? layout.fontSize;
  const boxes = layout.lines.map((line, i) => {
    const y = top + i * (layout.lineSpacing ?? layout.fontSize * 1.8);
    ctx.fillText(line, left, y);
    const m = ctx.measureText(line);
    return { left, top: y, right: left + m.width, bottom: y + layout.fontSize };
  });
  const bytes = format === 'png' ? await canvas.encode('png') : await canvas.encode(format, 90);
  return { bytes, boxes };
}
