/**
 * Text recognition with PaddleOCR's CRNN recognizer: each box is cut from the full-resolution
 * image, scaled to 48 px high and read by the model; greedy CTC decoding gives its text.
 */
import sharp from 'sharp';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { ctcDecode, type DecodedText } from './ctc-decode.ts';
import type { RgbImage } from './decode-image.ts';
import type { Rect } from './text-regions.ts';

const HEIGHT = 48;
/** PaddleOCR pads narrower crops to this width (its 3:48×320 recognizer shape). */
const MIN_WIDTH = 320;
/** Crops per model run: similar widths are batched, so little of a batch is padding. */
const BATCH = 8;

interface Crop {
  readonly index: number;
  /** 48-px-high interleaved RGB. */
  readonly pixels: Uint8Array;
  readonly width: number;
}

/**
 * The text of each box, in the boxes' order. `beforeRun` is called before each model run (to
 * stop between runs when the job is aborted).
 */
export async function recognizeText(
  session: InferenceSession,
  image: RgbImage,
  boxes: readonly Rect[],
  alphabet: readonly string[],
  beforeRun: () => void = () => undefined,
): Promise<DecodedText[]> {
  const crops = await Promise.all(boxes.map((box, index) => cropLine(image, box, index)));
  crops.sort((a, b) => a.width - b.width);
  const texts: DecodedText[] = new Array<DecodedText>(boxes.length);
  for (let start = 0; start < crops.length; start += BATCH) {
    beforeRun();
    const batch = crops.slice(start, start + BATCH);
    const width = Math.max(MIN_WIDTH, ...batch.map((c) => c.width));
    const input = new Tensor('float32', batchInput(batch, width), [batch.length, 3, HEIGHT, width]);
    const outputs = await session.run({ [session.inputNames[0]!]: input });
    const output = outputs[session.outputNames[0]!]!;
    const [, steps, classes] = output.dims as [number, number, number];
    const probs = output.data as Float32Array;
    batch.forEach((crop, i) => {
      texts[crop.index] = ctcDecode(probs, i * steps * classes, steps, classes, alphabet);
    });
  }
  return texts;
}

/** `box` cut out of `image` and scaled to HEIGHT, keeping its aspect ratio. */
async function cropLine(image: RgbImage, box: Rect, index: number): Promise<Crop> {
  const w = box.right - box.left;
  const h = box.bottom - box.top;
  // Copy the rows here, so the resize reads a small buffer, not the whole page.
  const region = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const from = ((box.top + y) * image.width + box.left) * 3;
    region.set(image.data.subarray(from, from + w * 3), y * w * 3);
  }
  const width = Math.max(1, Math.ceil((HEIGHT * w) / h));
  const pixels = await sharp(region, { raw: { width: w, height: h, channels: 3 } })
    .resize(width, HEIGHT, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { index, pixels, width };
}

/** Crops as planar B, G, R in [-1, 1], each padded on the right with zeros to `width`. */
function batchInput(batch: readonly Crop[], width: number): Float32Array {
  const plane = HEIGHT * width;
  const out = new Float32Array(batch.length * 3 * plane);
  batch.forEach((crop, n) => {
    for (let c = 0; c < 3; c++) {
      const source = 2 - c;
      const base = (n * 3 + c) * plane;
      for (let y = 0; y < HEIGHT; y++)
        for (let x = 0; x < crop.width; x++)
          out[base + y * width + x] = crop.pixels[(y * crop.width + x) * 3 + source]! / 127.5 - 1;
    }
  });
  return out;
}
