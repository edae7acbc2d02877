/** An OCR job's image bytes to RGB pixels, refusing what is not a png, jpeg or webp of bounded size. */
import sharp from 'sharp';
import { IMAGE_LIMITS } from '@proxima/core/protocol';
import { InvalidRequestError, type OcrRequest } from '../engine.ts';

/** The job image types OCR decodes (gif, also a job image type, is refused). */
export const OCR_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
const FORMATS: readonly string[] = ['png', 'jpeg', 'webp'];

/** Interleaved RGB, row by row. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Decodes `image` upright (EXIF orientation applied) with transparency over white, or throws
 * InvalidRequestError naming 'image': another type, corrupt bytes, or over `maxPixels` pixels
 * (checked from the header, before any pixel is decoded).
 */
export async function decodeImage(
  image: OcrRequest['image'],
  maxPixels: number = IMAGE_LIMITS.pixels,
): Promise<RgbImage> {
  if (!(OCR_IMAGE_TYPES as readonly string[]).includes(image.mimeType))
    throw refuse(`is ${image.mimeType}; OCR reads ${OCR_IMAGE_TYPES.join(', ')}`);
  if (image.bytes.byteLength > IMAGE_LIMITS.bytes)
    throw refuse(`is over ${IMAGE_LIMITS.bytes} bytes`);
  let format: string;
  let pixels: number;
  try {
    // The header only; sharp's own pixel limit would refuse here without saying the size.
    const meta = await sharp(image.bytes, { limitInputPixels: false }).metadata();
    format = meta.format;
    pixels = meta.width * meta.height;
  } catch (err) {
    throw refuse(`could not be read as an image (${messageOf(err)})`);
  }
  if (!FORMATS.includes(format))
    throw refuse(`holds ${format} data; OCR reads ${OCR_IMAGE_TYPES.join(', ')}`);
  if (pixels > maxPixels) throw refuse(`has ${pixels} pixels, over the limit of ${maxPixels}`);
  try {
    const { data, info } = await sharp(image.bytes, {
      limitInputPixels: maxPixels,
      autoOrient: true,
    })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw refuse(`could not be decoded (${messageOf(err)})`);
  }
}

function refuse(why: string): InvalidRequestError {
  return new InvalidRequestError(`The image ${why}.`, 'image');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
