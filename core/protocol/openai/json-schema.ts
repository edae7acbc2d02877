// The JSON Schema subset that grammar-constrained decoding can enforce token by token. A schema
// outside it is refused with a 400 naming the keyword, never silently loosened: a client that asked
// for `pattern` or `minimum` must not get output that only looks validated.
import { ProximaError } from '../errors.ts';
import { FIELD_LIMITS } from '../limits.ts';

export type JsonSchema = Readonly<Record<string, unknown>>;

const PRIMITIVES = ['string', 'number', 'integer', 'boolean', 'null'] as const;
const TYPES = [...PRIMITIVES, 'object', 'array'] as const;
const STRING_FORMATS = ['date-time', 'date', 'time'] as const;

/** Keywords that only annotate: accepted anywhere, they constrain nothing. */
const ANNOTATIONS = new Set([
  'description',
  'title',
  'default',
  'examples',
  '$schema',
  '$id',
  '$comment',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

/** The annotation keywords, for translators of this subset (local-node's GBNF translation). */
export const SCHEMA_ANNOTATIONS: ReadonlySet<string> = ANNOTATIONS;

/** Keywords the grammar enforces, by the kind of schema they belong to. */
const ENFORCED = {
  any: new Set(['type', 'const', 'enum', 'oneOf', 'anyOf', '$ref', '$defs', 'definitions']),
  string: new Set(['minLength', 'maxLength', 'format']),
  object: new Set([
    'properties',
    'required',
    'additionalProperties',
    'minProperties',
    'maxProperties',
  ]),
  array: new Set(['items', 'prefixItems', 'minItems', 'maxItems']),
} as const;

export interface SchemaProblem {
  /** JSON-pointer-like path inside the schema, e.g. `properties.age.minimum`. */
  readonly path: string;
  readonly reason: string;
}

/**
 * The first part of `schema` that a grammar cannot enforce, or null when all of it can be. Checks
 * structure too: `$ref` must point into the schema's own `$defs`, `required` must name listed
 * properties, and bounds must be non-negative integers in order.
 */
export function unenforceableSchemaPart(schema: unknown): SchemaProblem | null {
  if (!isObject(schema)) return { path: '', reason: 'a schema must be a JSON object' };
  const defs = { ...asObject(schema['$defs']), ...asObject(schema['definitions']) };
  return check(schema, '', defs, 0);
}

/** Throws a 400 naming `param` and the offending part when the schema cannot be enforced. */
export function assertEnforceableSchema(schema: unknown, param: string): void {
  const problem = unenforceableSchemaPart(schema);
  if (problem === null) return;
  const where = problem.path === '' ? param : `${param}.${problem.path}`;
  throw new ProximaError(
    'unsupported_parameter',
    `'${where}' cannot be enforced: ${problem.reason}. Constrained decoding supports type, ` +
      `const, enum, oneOf/anyOf, properties, required, additionalProperties, min/maxProperties, ` +
      `items, prefixItems, min/maxItems, min/maxLength, format (date-time, date, time) and ` +
      `$ref into $defs.`,
    { param: where },
  );
}

function check(
  node: unknown,
  path: string,
  defs: Readonly<Record<string, unknown>>,
  depth: number,
): SchemaProblem | null {
  const at = (key: string): string => (path === '' ? key : `${path}.${key}`);
  if (depth > FIELD_LIMITS.jsonDepth)
    return { path, reason: `nesting deeper than ${FIELD_LIMITS.jsonDepth} levels` };
  if (node === true || (isObject(node) && Object.keys(node).every((k) => ANNOTATIONS.has(k))))
    return null; // any value
  if (!isObject(node)) return { path, reason: 'a schema must be a JSON object' };

  const types = typesOf(node['type']);
  if (types === null)
    return { path: at('type'), reason: `type must be one of ${TYPES.join(', ')}` };
  for (const key of Object.keys(node)) {
    if (ANNOTATIONS.has(key) || ENFORCED.any.has(key)) continue;
    const kind = (['string', 'object', 'array'] as const).find((k) => ENFORCED[k].has(key));
    if (kind === undefined) return { path: at(key), reason: `'${key}' is not enforceable` };
    if (node['type'] !== kind)
      return { path: at(key), reason: `'${key}' needs "type": "${kind}" beside it` };
  }
  if (Array.isArray(node['type']) && types.some((t) => t === 'object' || t === 'array'))
    return { path: at('type'), reason: 'a list of types may hold only primitive types' };

  if ('const' in node && !isJsonScalar(node['const']))
    return { path: at('const'), reason: 'const must be a string, number, boolean or null' };
  if ('enum' in node) {
    const values = node['enum'];
    if (!Array.isArray(values) || values.length === 0 || !values.every(isJsonScalar))
      return { path: at('enum'), reason: 'enum must be a non-empty list of scalars' };
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (!(key in node)) continue;
    const options = node[key];
    if (!Array.isArray(options) || options.length === 0)
      return { path: at(key), reason: `${key} must be a non-empty list of schemas` };
    for (const [i, option] of options.entries()) {
      const p = check(option, `${at(key)}[${i}]`, defs, depth + 1);
      if (p) return p;
    }
  }
  if ('$ref' in node) {
    const ref = node['$ref'];
    const name = typeof ref === 'string' ? /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref)?.[1] : '';
    if (name === undefined || name === '' || !Object.hasOwn(defs, name))
      return { path: at('$ref'), reason: 'a $ref must point at an entry of the root $defs' };
  }
  for (const key of ['$defs', 'definitions'] as const) {
    if (!(key in node)) continue;
    if (depth > 0) return { path: at(key), reason: `${key} belongs at the root of the schema` };
    for (const [name, def] of Object.entries(asObject(node[key]))) {
      const p = check(def, `${at(key)}.${name}`, defs, depth + 1);
      if (p) return p;
    }
  }
  return (
    checkString(node, at) ??
    checkObject(node, at, defs, depth) ??
    checkArray(node, at, defs, depth) ??
    null
  );
}

function checkString(
  node: Readonly<Record<string, unknown>>,
  at: (k: string) => string,
): SchemaProblem | null {
  if ('format' in node && !(STRING_FORMATS as readonly unknown[]).includes(node['format']))
    return { path: at('format'), reason: `format must be one of ${STRING_FORMATS.join(', ')}` };
  if ('format' in node && ('minLength' in node || 'maxLength' in node))
    return { path: at('format'), reason: 'format cannot be combined with a length bound' };
  return bounds(node, at, 'minLength', 'maxLength');
}

function checkObject(
  node: Readonly<Record<string, unknown>>,
  at: (k: string) => string,
  defs: Readonly<Record<string, unknown>>,
  depth: number,
): SchemaProblem | null {
  if ('properties' in node && !isObject(node['properties']))
    return { path: at('properties'), reason: 'properties must be an object of schemas' };
  const properties = asObject(node['properties']);
  for (const [name, schema] of Object.entries(properties)) {
    const p = check(schema, `${at('properties')}.${name}`, defs, depth + 1);
    if (p) return p;
  }
  if ('required' in node) {
    const required = node['required'];
    if (!Array.isArray(required) || !required.every((r) => typeof r === 'string'))
      return { path: at('required'), reason: 'required must be a list of property names' };
    const missing = required.find((r) => !Object.hasOwn(properties, r));
    if (missing !== undefined)
      return {
        path: at('required'),
        reason: `'${String(missing)}' is required but not listed in properties`,
      };
  }
  const extra = node['additionalProperties'];
  if (extra !== undefined && typeof extra !== 'boolean') {
    const p = check(extra, at('additionalProperties'), defs, depth + 1);
    if (p) return p;
  }
  return bounds(node, at, 'minProperties', 'maxProperties');
}

function checkArray(
  node: Readonly<Record<string, unknown>>,
  at: (k: string) => string,
  defs: Readonly<Record<string, unknown>>,
  depth: number,
): SchemaProblem | null {
  if ('items' in node && typeof node['items'] !== 'boolean') {
    const p = check(node['items'], at('items'), defs, depth + 1);
    if (p) return p;
  }
  if ('prefixItems' in node) {
    const prefix = node['prefixItems'];
    if (!Array.isArray(prefix))
      return { path: at('prefixItems'), reason: 'prefixItems must be a list of schemas' };
    for (const [i, item] of prefix.entries()) {
      const p = check(item, `${at('prefixItems')}[${i}]`, defs, depth + 1);
      if (p) return p;
    }
  }
  return bounds(node, at, 'minItems', 'maxItems');
}

function bounds(
  node: Readonly<Record<string, unknown>>,
  at: (k: string) => string,
  minKey: string,
  maxKey: string,
): SchemaProblem | null {
  for (const key of [minKey, maxKey]) {
    if (!(key in node)) continue;
    const v = node[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      return { path: at(key), reason: `${key} must be a non-negative integer` };
  }
  const min = node[minKey];
  const max = node[maxKey];
  if (typeof min === 'number' && typeof max === 'number' && min > max)
    return { path: at(minKey), reason: `${minKey} is greater than ${maxKey}` };
  return null;
}

/** The listed types, all of them when absent, or null when `type` is not a valid type or list. */
function typesOf(type: unknown): readonly string[] | null {
  if (type === undefined) return TYPES;
  const list = Array.isArray(type) ? type : [type];
  if (list.length === 0 || !list.every((t) => (TYPES as readonly unknown[]).includes(t)))
    return null;
  return list as string[];
}

function isObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asObject(v: unknown): Readonly<Record<string, unknown>> {
  return isObject(v) ? v : {};
}

function isJsonScalar(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}
