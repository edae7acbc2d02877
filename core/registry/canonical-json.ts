// One JSON text per value, whoever builds it: object keys sorted, no whitespace. Replicas that hold
// equal states therefore write equal snapshot bytes, whatever order their maps were filled in.

/**
 * JSON with every object's keys in code-unit order. Undefined object fields are left out, as
 * JSON.stringify does; anything JSON cannot carry exactly (undefined in an array, a non-finite
 * number, a bigint, a function) throws rather than being written as something else.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string')
    return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not JSON`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return `[${items.map(canonicalJson).join(',')}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
}
