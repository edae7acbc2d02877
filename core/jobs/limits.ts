// Every limit of a burst job, defined once: the edge derives what it sends from these and the
// Function App what it accepts, so the two can never disagree about what fits.
import { IMAGE_LIMITS } from '../protocol/openai/images.ts';

/** Room a job body needs besides its media and request: the envelope, ids, the callback URL. */
const ENVELOPE_BYTES = 64 * 1024;

/** base64 of n bytes, in characters. */
function base64Chars(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

export const BURST_LIMITS = {
  /** Decoded bytes of one audio file: what OpenAI's transcription API accepts. */
  audioBytes: 25 * 1024 * 1024,
  audioMimeTypes: [
    'audio/flac',
    'audio/mpeg',
    'audio/mp4',
    'audio/ogg',
    'audio/wav',
    'audio/webm',
    'audio/x-wav',
  ],
  /** Decoded bytes of one OCR image: the edge's own image limit. */
  imageBytes: IMAGE_LIMITS.bytes,
  /** A job's signed JSON body: the largest audio file as base64, plus the envelope. */
  jobBodyBytes: base64Chars(25 * 1024 * 1024) + ENVELOPE_BYTES,
  /** A chat or vision job's OpenAI request, as JSON. */
  chatRequestBytes: base64Chars(IMAGE_LIMITS.bytes) + ENVELOPE_BYTES,
  /**
   * A signature's timestamp may be this far from the receiver's clock, either way: a captured
   * request replays only inside this window, and there a job id already taken answers as before.
   */
  clockSkewMs: 5 * 60_000,
  /**
   * Deliveries of one job before it goes to the poison queue: Azure Functions' maxDequeueCount
   * default, so the real host and the local one give up at the same count.
   */
  maxDeliveries: 5,
  /**
   * The longest one run of a job may take: host.json's functionTimeout says the same. A job still
   * 'running' this long after its last delivery, with no delivery left, was abandoned.
   */
  runTimeoutMs: 10 * 60_000,
  callbackUrlChars: 2048,
  /** The shared HMAC secret's least length (the edge's BURST_SECRET, the Function App's PROXIMA_BURST_SECRET). */
  secretMinChars: 32,
  /** Stored error messages are cut to this many characters. */
  errorChars: 1000,
} as const;

/** Job ids: made by the edge, used in Blob names, Table keys and URLs. */
export const JOB_ID_PATTERN = /^job_[A-Za-z0-9_-]{16,60}$/;
export const JOB_ID_RULE = "'job_' and 16-60 characters of A-Z a-z 0-9 _ -";
