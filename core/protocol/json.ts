import { ProximaError } from './errors.ts';
import { FIELD_LIMITS } from './limits.ts';

/**
 * Nesting depth of a JSON text, counted outside strings, stopping once past `max`: a body of
 * 100,000 '[' is refused in one linear scan, before JSON.parse builds anything.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Parses a request body's text: 400 `invalid_json` for bad syntax or nesting past the limit. */
export function parseJsonText(text: string): unknown {
  if (text.trim() === '') {
    throw new ProximaError('invalid_json', 'Request body is empty; send a JSON object.');
  }
  if (jsonDepthExceeds(text, FIELD_LIMITS.jsonDepth)) {
    throw new ProximaError(
      'invalid_json',
      `Request body nests deeper than ${FIELD_LIMITS.jsonDepth} levels.`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProximaError('invalid_json', 'Request body is not valid JSON.');
  }
}
