// Where a Durable Object may be placed: Cloudflare's location hints. A hint is honoured only when
// the object is created, so it matters for a peer's first `get` and never after.

export const LOCATION_HINTS = [
  'wnam',
  'enam',
  'sam',
  'weur',
  'eeur',
  'apac',
  'oc',
  'afr',
  'me',
] as const;

export type LocationHint = (typeof LOCATION_HINTS)[number];

export function isLocationHint(value: unknown): value is LocationHint {
  return typeof value === 'string' && (LOCATION_HINTS as readonly string[]).includes(value);
}

export const LOCATION_HINT_RULE = `one of ${LOCATION_HINTS.join(', ')}`;
