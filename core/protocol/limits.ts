/**
 * Every size and shape limit at Proxima's boundaries, defined once. The edge, the node and the
 * tests derive their checks from these: two sides that disagree on a limit are a denial of service.
 */

/** Node ids, job ids, tenant and key names: what may appear in a URL, a log line or a DO name. */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const ID_RULE = '1-128 characters of A-Z a-z 0-9 . _ : -';

/** Model ids, as nodes announce them and clients ask for them ("org/model:tag" included). */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9._:/@+-]{1,128}$/;
export const MODEL_ID_RULE = '1-128 characters of A-Z a-z 0-9 . _ : / @ + -';

/** Short labels chosen by operators: tenant names, key and token names. */
export const LABEL_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const LABEL_RULE = '1-64 characters of A-Z a-z 0-9 . _ -';

/**
 * API keys and node tokens: printable ASCII without spaces. Anything else is refused before a
 * lookup, so a malformed credential costs no Durable Object round trip.
 */
export const SECRET_PATTERN = /^[\x21-\x7e]{16,256}$/;
export const SECRET_RULE = '16-256 printable ASCII characters without spaces';

/** The admin token must be long enough that guessing it is hopeless. */
export const ADMIN_TOKEN_MIN_CHARS = 32;

/**
 * The edge's DATA_KEY secret (from which per-tenant encryption keys are derived) must be long
 * enough that guessing it is hopeless; shorter, RAG and the semantic cache refuse to store anything.
 */
export const DATA_KEY_MIN_CHARS = 32;

/** Largest node <-> edge WebSocket frame, in UTF-8 bytes. Both sides measure bytes, not characters. */
export const FRAME_MAX_BYTES = 2 * 1024 * 1024;

/**
 * Room that a job frame needs besides the request body's own text: the envelope, the job id, and
 * the normalised request's field names and defaults. The edge's body limit can be at most
 * FRAME_MAX_BYTES minus this, and the edge also measures every job frame before sending it.
 */
export const JOB_FRAME_RESERVE_BYTES = 64 * 1024;

export const REQUEST_BODY_DEFAULT_BYTES = 1024 * 1024;
export const REQUEST_BODY_MAX_BYTES = FRAME_MAX_BYTES - JOB_FRAME_RESERVE_BYTES;

/**
 * A refused request body (a 413, or any answer given without reading the body) is still read, and
 * dropped, up to this many bytes before the answer goes out. A server that closes a connection with
 * unread bytes in it resets the connection, and the client then loses the answer it was sent. Past
 * this many bytes the body is cut off.
 */
export const REFUSED_BODY_DRAIN_BYTES = 64 * 1024 * 1024;

/** String fields of requests and protocol messages that are not prompt text. */
export const FIELD_LIMITS = {
  /** `user`, `name` of a message. */
  userChars: 256,
  messageNameChars: 64,
  messages: 1024,
  stopSequences: 4,
  stopChars: 256,
  maxTokensCeiling: 131_072,
  /** Models one node may announce. */
  helloModels: 64,
  modelDescriptionChars: 512,
  agentChars: 128,
  engineChars: 64,
  gpuChars: 64,
  jobErrorCodeChars: 64,
  jobErrorMessageChars: 2048,
  cancelReasonChars: 256,
  /** Chunk text from a node: one frame's worth. */
  chunkChars: 256 * 1024,
  /** Nesting depth accepted in a JSON body. */
  jsonDepth: 32,
} as const;

/**
 * No tokenizer we serve packs more than this many UTF-8 bytes into one token (the longest tokens
 * of common vocabularies are runs of spaces or punctuation well under it). A prompt longer than
 * `contextSize` times this is certainly too long for the context, and is refused before any node
 * spends seconds tokenizing it.
 */
export const MAX_PROMPT_BYTES_PER_TOKEN = 128;

/**
 * True when `promptBytes` of prompt text cannot fit the model's context: past the node's own bound
 * (context × its vocabulary's longest token) when it announced one, else past context ×
 * MAX_PROMPT_BYTES_PER_TOKEN.
 */
export function certainlyExceedsContext(
  promptBytes: number,
  model: { readonly contextSize: number; readonly maxPromptBytes?: number | undefined },
): boolean {
  return promptBytes > promptBytesBound(model);
}

/** The most UTF-8 bytes of prompt that could fit the model's context (certainlyExceedsContext). */
export function promptBytesBound(model: {
  readonly contextSize: number;
  readonly maxPromptBytes?: number | undefined;
}): number {
  return model.maxPromptBytes ?? model.contextSize * MAX_PROMPT_BYTES_PER_TOKEN;
}

/** How much of a user-supplied value an error message may quote. */
export const QUOTE_MAX_CHARS = 64;

/** A user-supplied value for an error message: at most QUOTE_MAX_CHARS, control characters shown as '?'. */
export function quote(value: string): string {
  let out = '';
  let count = 0;
  for (const ch of value) {
    if (count >= QUOTE_MAX_CHARS) return `'${out}…' (${value.length} characters)`;
    const code = ch.codePointAt(0) ?? 0;
    out += code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff) ? '?' : ch;
    count++;
  }
  return `'${out}'`;
}

/** UTF-8 length of a string without allocating; lone surrogates count as U+FFFD (3 bytes). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** True when `text` encodes to more than `maxBytes` of UTF-8; cheap for short strings. */
export function exceedsUtf8(text: string, maxBytes: number): boolean {
  if (text.length * 3 <= maxBytes) return false;
  if (text.length > maxBytes) return true;
  return utf8Length(text) > maxBytes;
}

/** False when `text` holds an unpaired UTF-16 surrogate (which no tokenizer can take). */
export function isWellFormedText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}
