// Image parts of a chat message: data URLs are carried as they are; remote URLs only when the
// edge is configured to fetch them (it resolves them to data before a node sees the job).
import { ProximaError } from '../errors.ts';
import { REQUEST_BODY_MAX_BYTES } from '../limits.ts';

export const IMAGE_LIMITS = {
  /** Images in one request, over all its messages. */
  perRequest: 16,
  mimeTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
  urlChars: 2048,
  /**
   * Bytes of a fetched image, and of all of a request's images together: as base64 (4 characters
   * per 3 bytes) they fill no more than a request body may, so the job frame still fits.
   */
  bytes: Math.floor(REQUEST_BODY_MAX_BYTES / 4) * 3,
  /**
   * Decoded pixels of one image where a node decodes it (OCR): an A4 page at 600 dpi (35 Mpx)
   * fits; a few compressed bytes that expand to gigabytes (a decompression bomb) do not.
   */
  pixels: 40_000_000,
} as const;

export type ImageMimeType = (typeof IMAGE_LIMITS.mimeTypes)[number];

export type ImageInput =
  | { readonly kind: 'data'; readonly mimeType: ImageMimeType; readonly base64: string }
  | { readonly kind: 'url'; readonly url: string };

/** An absolute http(s) URL with a host, no white space (the edge parses it fully before fetching). */
const REMOTE_URL = /^https?:\/\/[^\s/?#@]+(?:[/?#]\S*)?$/i;
const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/]*={0,2})$/;

/** An `image_url.url` as an image input, or a 400 naming `param`. */
export function imageOf(url: string, param: string): ImageInput {
  if (url.startsWith('data:')) {
    const match = DATA_URL.exec(url);
    if (!match || match[2]!.length % 4 !== 0 || match[2]!.length === 0)
      throw new ProximaError(
        'invalid_request',
        `'${param}' is not a base64 data URL (data:image/png;base64,...).`,
        { param },
      );
    const mimeType = match[1]! as ImageMimeType;
    if (!IMAGE_LIMITS.mimeTypes.includes(mimeType))
      throw new ProximaError(
        'invalid_request',
        `'${param}' is ${mimeType}; images must be one of ${IMAGE_LIMITS.mimeTypes.join(', ')}.`,
        { param },
      );
    return { kind: 'data', mimeType, base64: match[2]! };
  }
  if (!REMOTE_URL.test(url) || url.length > IMAGE_LIMITS.urlChars)
    throw new ProximaError(
      'invalid_request',
      `'${param}' must be a data URL or an http(s) URL of at most ${IMAGE_LIMITS.urlChars} characters.`,
      { param },
    );
  return { kind: 'url', url };
}

/**
 * The wire names of message `i`'s image parts in a chat body, in order (as parseChatRequest kept
 * them): `messages[i].content[j].image_url.url`.
 */
export function imagePartParams(body: unknown, i: number): string[] {
  const messages = (body as { messages?: unknown } | null)?.messages;
  const content = Array.isArray(messages)
    ? (messages[i] as { content?: unknown } | undefined)?.content
    : undefined;
  if (!Array.isArray(content)) return [];
  const params: string[] = [];
  content.forEach((part: unknown, j) => {
    if ((part as { type?: unknown } | null)?.type === 'image_url')
      params.push(`messages[${i}].content[${j}].image_url.url`);
  });
  return params;
}
