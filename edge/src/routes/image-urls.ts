// Remote image URLs, fetched by the edge before routing: a node gets bytes, never a URL. Only from
// hosts the operator allows (IMAGE_URL_HOSTS, core/protocol/openai/image-hosts.ts), redirects
// re-checked hop by hop (a redirect must not lead the edge somewhere else: SSRF), each image and
// all of them together bounded by IMAGE_LIMITS.bytes. Each failure is a 400 naming the field.
import {
  IMAGE_LIMITS,
  imageHostAllowed,
  imageHostRefused,
  imagePartParams,
  parseImageHosts,
  ProximaError,
  type ChatMessage,
  type ChatRequest,
  type ImageHosts,
  type ImageInput,
  type ImageMimeType,
} from '@proxima/core/protocol';
import { intVar, type Env } from '../env.ts';
import { readAtMost } from '../read-bounded.ts';

/** Redirects followed per image, each to an allowed host. */
const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const BASE64_CHUNK_BYTES = 0x8000;

export function hasImageUrls(req: ChatRequest): boolean {
  return req.messages.some((m) => m.images?.some((image) => image.kind === 'url') === true);
}

/** The request with every image URL replaced by the fetched image's data; the same without any. */
export async function withImageData(
  env: Env,
  req: ChatRequest,
  body: unknown,
  signal: AbortSignal,
): Promise<ChatRequest> {
  if (!hasImageUrls(req)) return req;
  const hosts = parseImageHosts(env.IMAGE_URL_HOSTS);
  const timeoutMs = intVar(env.IMAGE_FETCH_TIMEOUT_MS, 10_000, 100, 120_000);
  // Bytes already sent as data count against the same bound: they travel in the same frame.
  let left = IMAGE_LIMITS.bytes - dataBytes(req.messages);
  const messages: ChatMessage[] = [];
  for (const [i, message] of req.messages.entries()) {
    if (!message.images?.some((image) => image.kind === 'url')) {
      messages.push(message);
      continue;
    }
    const params = imagePartParams(body, i);
    const images: ImageInput[] = [];
    for (const [k, image] of message.images.entries()) {
      if (image.kind === 'data') {
        images.push(image);
        continue;
      }
      const param = params[k] ?? `messages[${i}].content`;
      const fetched = await fetchImage(image.url, param, {
        hosts,
        limit: Math.max(0, left),
        client: signal,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        timeoutMs,
      });
      left -= fetched.bytes.byteLength;
      images.push({ kind: 'data', mimeType: fetched.mimeType, base64: base64Of(fetched.bytes) });
    }
    messages.push({ ...message, images });
  }
  return { ...req, messages };
}

interface FetchPolicy {
  readonly hosts: ImageHosts;
  /** Bytes this image may have. */
  readonly limit: number;
  /** The client's request signal, and that or the fetch timeout: what stops the fetch. */
  readonly client: AbortSignal;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

async function fetchImage(
  url: string,
  param: string,
  policy: FetchPolicy,
): Promise<{ mimeType: ImageMimeType; bytes: Uint8Array }> {
  const refuse = (why: string) =>
    new ProximaError('invalid_request', `'${param}' could not be used: ${why}.`, { param });
  if (!URL.canParse(url)) throw refuse('it is not a valid URL');
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    if (!imageHostAllowed(policy.hosts, target.hostname))
      throw imageHostRefused(policy.hosts, target.hostname, param, hop > 0);
    let res: Response;
    try {
      res = await fetch(target, {
        redirect: 'manual',
        signal: policy.signal,
        headers: { accept: IMAGE_LIMITS.mimeTypes.join(', ') },
      });
    } catch (err) {
      throw refuse(failureOf(policy, err));
    }
    const location = res.headers.get('location');
    if (REDIRECT_STATUSES.has(res.status) && location !== null) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw refuse(`more than ${MAX_REDIRECTS} redirects`);
      const next = URL.canParse(location, target) ? new URL(location, target) : null;
      if (next === null || (next.protocol !== 'https:' && next.protocol !== 'http:'))
        throw refuse('it redirects to something other than an http(s) URL');
      if (next.username !== '' || next.password !== '')
        throw refuse('it redirects to a URL with credentials');
      target = next;
      continue;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw refuse(`its server answered HTTP ${res.status}, not 200`);
    }
    const mimeType = imageTypeOf(res.headers.get('content-type'));
    if (mimeType === null) {
      await res.body?.cancel();
      throw refuse(
        `it is not served as an image (content-type must be one of ${IMAGE_LIMITS.mimeTypes.join(', ')})`,
      );
    }
    const tooLarge = refuse(
      policy.limit === IMAGE_LIMITS.bytes
        ? `the image is over ${IMAGE_LIMITS.bytes} bytes`
        : `the request's images come to over ${IMAGE_LIMITS.bytes} bytes`,
    );
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    if (declared > policy.limit) {
      await res.body?.cancel();
      throw tooLarge;
    }
    if (res.body === null) throw refuse('its server sent no body');
    const read = await readAtMost(res.body as ReadableStream<Uint8Array>, policy.limit);
    if (!read.ok)
      throw read.reason === 'too_large'
        ? tooLarge
        : refuse(policy.signal.aborted ? failureOf(policy, null) : 'its body broke off');
    if (read.bytes.byteLength === 0) throw refuse('its server sent an empty body');
    return { mimeType, bytes: read.bytes };
  }
}

/** Why a fetch failed, in words for the client (other details stay in the log). */
function failureOf(policy: FetchPolicy, err: unknown): string {
  if (policy.client.aborted) return 'the request was cancelled';
  if (policy.signal.aborted)
    return `its server did not send it within ${policy.timeoutMs} ms (IMAGE_FETCH_TIMEOUT_MS)`;
  console.warn(JSON.stringify({ event: 'image.fetch_failed', error: String(err).slice(0, 200) }));
  return 'its server could not be reached';
}

function imageTypeOf(contentType: string | null): ImageMimeType | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return (IMAGE_LIMITS.mimeTypes as readonly string[]).includes(type)
    ? (type as ImageMimeType)
    : null;
}

function dataBytes(messages: readonly ChatMessage[]): number {
  let bytes = 0;
  for (const m of messages)
    for (const image of m.images ?? [])
      if (image.kind === 'data') bytes += Math.floor((image.base64.length * 3) / 4);
  return bytes;
}

/** Base64 of bytes of any size: btoa takes a binary string, built a chunk at a time. */
export function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.length; at += BASE64_CHUNK_BYTES)
    binary += String.fromCharCode(...bytes.subarray(at, at + BASE64_CHUNK_BYTES));
  return btoa(binary);
}
