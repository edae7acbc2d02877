/**
 * DB (differentiable binarization) post-processing: the detection model's text-probability map
 * to text boxes. Each connected region of likely-text pixels becomes one axis-aligned box, grown
 * back out ("unclipped") because the model predicts shrunk text kernels.
 */

export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export interface RegionOptions {
  /** A pixel is text when its probability exceeds this. */
  readonly pixelThreshold: number;
  /** A region is kept when its box's mean probability reaches this. */
  readonly boxThreshold: number;
  /** How far boxes grow: area × ratio / perimeter, on every side. */
  readonly unclipRatio: number;
  /** Regions whose shorter side is below this (in map pixels) are noise. */
  readonly minSide: number;
}

/** PaddleOCR's defaults for its DB detectors. */
export const PADDLE_REGION_OPTIONS: RegionOptions = {
  pixelThreshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.5,
  minSide: 3,
};

/** Boxes in map pixels (right and bottom exclusive), clipped to the map, in no particular order. */
export function textRegions(
  probs: Float32Array,
  width: number,
  height: number,
  options: RegionOptions = PADDLE_REGION_OPTIONS,
): Rect[] {
  const visited = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const boxes: Rect[] = [];
  for (let start = 0; start < width * height; start++) {
    if (visited[start] === 1 || probs[start]! <= options.pixelThreshold) continue;
    const region = floodFill(probs, width, height, start, visited, stack, options.pixelThreshold);
    const box = keptBox(probs, width, height, region, options);
    if (box) boxes.push(box);
  }
  return boxes;
}

/** Bounds (inclusive) of the 8-connected text region holding `start`. */
function floodFill(
  probs: Float32Array,
  width: number,
  height: number,
  start: number,
  visited: Uint8Array,
  stack: Int32Array,
  threshold: number,
): Rect {
  let left = width;
  let top = height;
  let right = -1;
  let bottom = -1;
  let size = 0;
  stack[size++] = start;
  visited[start] = 1;
  while (size > 0) {
    const at = stack[--size]!;
    const x = at % width;
    const y = (at - x) / width;
    if (x < left) left = x;
    if (x > right) right = x;
    if (y < top) top = y;
    if (y > bottom) bottom = y;
    for (let dy = -1; dy <= 1; dy++) {
      const ny = y + dy;
      if (ny < 0 || ny >= height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        if (nx < 0 || nx >= width) continue;
        const next = ny * width + nx;
        if (visited[next] === 1 || probs[next]! <= threshold) continue;
        visited[next] = 1;
        stack[size++] = next;
      }
    }
  }
  return { left, top, right, bottom };
}

function keptBox(
  probs: Float32Array,
  width: number,
  height: number,
  region: Rect,
  options: RegionOptions,
): Rect | undefined {
  const w = region.right - region.left + 1;
  const h = region.bottom - region.top + 1;
  if (Math.min(w, h) < options.minSide) return undefined;
  let sum = 0;
  for (let y = region.top; y <= region.bottom; y++)
    for (let x = region.left; x <= region.right; x++) sum += probs[y * width + x]!;
  if (sum / (w * h) < options.boxThreshold) return undefined;
  const grow = (w * h * options.unclipRatio) / (2 * (w + h));
  if (Math.min(w, h) + 2 * grow < options.minSide + 2) return undefined;
  return {
    left: Math.max(0, region.left - grow),
    top: Math.max(0, region.top - grow),
    right: Math.min(width, region.right + 1 + grow),
    bottom: Math.min(height, region.bottom + 1 + grow),
  };
}
