// Ollama sends images as bare base64; the request type carries data URLs, whose type we read
// from the image's first bytes (its magic number), as Ollama's own runners do.
import { ProximaError } from '../errors.ts';

/** Base64 prefixes of each format's magic bytes (WebP: "RIFF", a size, then "WEBP"). */
function mimeTypeOf(base64: string): string | null {
  if (base64.startsWith('iVBORw0KGgo')) return 'image/png';
  if (base64.startsWith('/9j/')) return 'image/jpeg';
  if (base64.startsWith('R0lGOD')) return 'image/gif';
  if (base64.startsWith('UklGR') && base64.slice(12, 16) === 'RUJQ') return 'image/webp';
  return null;
}

/** An Ollama image as a data URL (validated further by parseChatRequest), or a 400 naming it. */
export function imageDataUrl(image: string, param: string): string {
  if (image.startsWith('data:')) return image;
  const mimeType = mimeTypeOf(image);
  if (mimeType === null)
    throw new ProximaError(
      'invalid_request',
      `Invalid '${param}': must be a base64 PNG, JPEG, WebP or GIF image.`,
      { param },
    );
  return `data:${mimeType};base64,${image}`;
}
