// The answer to an OCR request, Proxima's extension of OpenAI's API: the node's `POST /v1/ocr` and
// a burst OCR job give the same `{"model", "text", "lines"}`, so both build it here.

export interface OcrLineBody {
  readonly text: string;
  /** Mean recognition confidence, 0..1. */
  readonly confidence: number;
  /** Corners in pixels, clockwise from top left. */
  readonly box: readonly (readonly [number, number])[];
}

export interface OcrResponseBody {
  readonly model: string;
  /** The lines' text, one per line, in reading order. */
  readonly text: string;
  readonly lines: readonly OcrLineBody[];
}

/** The wire body for `lines` read by `model`: copies only the wire fields. */
export function ocrResponseBody(model: string, lines: readonly OcrLineBody[]): OcrResponseBody {
  return {
    model,
    text: lines.map((l) => l.text).join('\n'),
    lines: lines.map((l) => ({
      text: l.text,
      confidence: l.confidence,
      box: l.box.map(([x, y]) => [x, y] as const),
    })),
  };
}
