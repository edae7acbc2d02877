/**
 * Text detection with PaddleOCR's DB detector: the page, shrunk so its longer side is at most
 * `maxSide` and stretched to multiples of 32, gives a text-probability map; its regions come
 * back as boxes in the original image's pixels.
 */
import sharp from 'sharp';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { RgbImage } from './decode-image.ts';
import { textRegions, type Rect } from './text-regions.ts';

/**
 * Longer side of the detector's input. The model is fully convolutional and its cost grows with
 * the area (an A4 page at 200 dpi, 1654 × 2339, takes seconds on a CPU); 1280 keeps 10-point text
 * of such a page about 13 px high, still well detected, for under a third of the area.
 */
export const DETECTION_MAX_SIDE = 1280;
const STRIDE = 32;
// PaddleOCR normalizes its BGR input with the ImageNet statistics, listed in RGB order; the model
// was trained so, hence channel 0 (blue) with the red mean.
const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;

/** The detector's input size for an image: scaled to fit `maxSide`, each side a multiple of 32. */
export function detectionSize(
  width: number,
  height: number,
  maxSide: number = DETECTION_MAX_SIDE,
): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const side = (n: number) => Math.max(STRIDE, Math.round((n * scale) / STRIDE) * STRIDE);
  return { width: side(width), height: side(height) };
}

/** Text boxes in `image`'s pixels (integers, right and bottom exclusive), in no particular order. */
export async function detectText(
  session: InferenceSession,
  image: RgbImage,
  maxSide: number = DETECTION_MAX_SIDE,
): Promise<Rect[]> {
  const size = detectionSize(image.width, image.height, maxSide);
  const pixels = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(size.width, size.height, { fit: 'fill' })
    .raw()
    .toBuffer();
  const input = new Tensor('float32', planarBgr(pixels, size.width * size.height), [
    1,
    3,
    size.height,
    size.width,
  ]);
  const outputs = await session.run({ [session.inputNames[0]!]: input });
  const map = outputs[session.outputNames[0]!]!;
  const probs = map.data as Float32Array;
  const sx = image.width / size.width;
  const sy = image.height / size.height;
  return textRegions(probs, size.width, size.height).map((r) => ({
    left: Math.max(0, Math.floor(r.left * sx)),
    top: Math.max(0, Math.floor(r.top * sy)),
    right: Math.min(image.width, Math.ceil(r.right * sx)),
    bottom: Math.min(image.height, Math.ceil(r.bottom * sy)),
  }));
}

/** Interleaved RGB bytes to normalized planar B, G, R floats. */
function planarBgr(rgb: Uint8Array, area: number): Float32Array {
  const out = new Float32Array(3 * area);
  for (let c = 0; c < 3; c++) {
    const source = 2 - c;
    const mean = MEAN[c]!;
    const std = STD[c]!;
    const plane = c * area;
    for (let i = 0; i < area; i++) out[plane + i] = (rgb[i * 3 + source]! / 255 - mean) / std;
  }
  return out;
}
