/**
 * Whether every value a translated schema can produce fails a source schema: what a oneOf branch
 * needs, since JSON Schema's oneOf rejects a value that two branches accept. Conservative: false
 * means "not proven", never "overlaps".
 */
import { type Kind, KINDS, matchesFormat, scalarKind } from './json-scalar.ts';

/** A node of node-llama-cpp's GbnfJsonSchema, as gbnf-schema.ts writes it. */
export type OutSchema = Readonly<Record<string, unknown>>;
type Node = Readonly<Record<string, unknown>>;
type Scalar = string | number | boolean | null;

/** The source schema a `$ref` points at. */
export type SourceLookup = (ref: string) => unknown;
/** A translated definition by name. */
export type OutLookup = (name: string) => OutSchema | undefined;

const MAX_DEPTH = 32;

export function excludes(
  out: OutSchema,
  node: unknown,
  source: SourceLookup,
  translated: OutLookup,
  depth = 0,
): boolean {
  if (depth > MAX_DEPTH) return false;
  const next = (o: OutSchema, n: unknown): boolean => excludes(o, n, source, translated, depth + 1);
  if (Array.isArray(out['oneOf'])) return (out['oneOf'] as OutSchema[]).every((o) => next(o, node));
  if (typeof out['$ref'] === 'string') {
    const def = translated(out['$ref'].slice('#/$defs/'.length));
    return def !== undefined && next(def, node);
  }
  if (!isObject(node)) return false; // `true`: everything matches
  for (const key of ['oneOf', 'anyOf'] as const) {
    const alts = node[key];
    if (Array.isArray(alts) && alts.every((alt) => next(out, alt))) return true;
  }
  if (typeof node['$ref'] === 'string') {
    const target = source(node['$ref']);
    if (target !== undefined && next(out, target)) return true;
  }
  const values = valuesOf(out);
  if (values !== undefined) return values.every((v) => !scalarMatches(v, node));
  const kinds = outKinds(out);
  const accepted = nodeKinds(node);
  const shared = [...kinds].filter(
    (k) =>
      accepted.has(k) ||
      (k === 'integer' && accepted.has('number')) ||
      (k === 'number' && accepted.has('integer')),
  );
  if (shared.length === 0) return true;
  // A node listing values accepts those scalars only: out must be able to write one of their kinds.
  const nodeValues = nodeValuesOf(node);
  if (nodeValues !== undefined) {
    const valueKinds = new Set(nodeValues.map(scalarKind));
    const canHit = (k: Kind): boolean =>
      valueKinds.has(k) || (k === 'number' && valueKinds.has('integer'));
    if (![...kinds].some(canHit)) return true;
  }
  if (kinds.size !== 1) return false;
  if (kinds.has('string')) return excludesString(out, node);
  if (kinds.has('object')) return excludesObject(out, node, next);
  if (kinds.has('array')) return excludesArray(out, node, next);
  return false;
}

function excludesString(out: OutSchema, node: Node): boolean {
  const format = out['format'];
  const nodeFormat = node['format'];
  // The three formats never share a value: their shapes differ.
  if (typeof format === 'string' && typeof nodeFormat === 'string') return format !== nodeFormat;
  const min = num(out['minLength'], 0);
  const max = num(out['maxLength'], Infinity);
  return min > num(node['maxLength'], Infinity) || max < num(node['minLength'], 0);
}

function excludesObject(
  out: OutSchema,
  node: Node,
  next: (o: OutSchema, n: unknown) => boolean,
): boolean {
  const nodeProps = isObject(node['properties']) ? node['properties'] : {};
  const required = Array.isArray(node['required']) ? (node['required'] as string[]) : [];
  if (!isObject(out['properties'])) {
    // Free-form: any keys may come; only a count bound can rule the node out.
    return num(out['maxProperties'], Infinity) < num(node['minProperties'], 0);
  }
  const props = out['properties'] as Readonly<Record<string, OutSchema>>;
  const keys = Object.keys(props);
  if (required.some((r) => !keys.includes(r))) return true;
  if (keys.length < num(node['minProperties'], 0)) return true;
  if (keys.length > num(node['maxProperties'], Infinity)) return true;
  const extra = node['additionalProperties'];
  return keys.some((k) => {
    if (Object.hasOwn(nodeProps, k)) return next(props[k]!, nodeProps[k]);
    if (extra === false) return true;
    return isObject(extra) && next(props[k]!, extra);
  });
}

function excludesArray(
  out: OutSchema,
  node: Node,
  next: (o: OutSchema, n: unknown) => boolean,
): boolean {
  const prefix = Array.isArray(out['prefixItems']) ? (out['prefixItems'] as OutSchema[]) : [];
  const min = Math.max(num(out['minItems'], 0), prefix.length);
  const max = 'items' in out || !('maxItems' in out) ? num(out['maxItems'], Infinity) : min;
  if (max < num(node['minItems'], 0) || min > num(node['maxItems'], Infinity)) return true;
  const nodePrefix = Array.isArray(node['prefixItems']) ? node['prefixItems'] : [];
  // Every prefix item is always written: one that fails the node's schema for it rules it out.
  return prefix.some((item, i) => {
    if (i < nodePrefix.length) return next(item, nodePrefix[i]);
    if (node['items'] === false) return true;
    return isObject(node['items']) && next(item, node['items']);
  });
}

/** Whether a scalar passes the node's own keywords (not its oneOf/anyOf/$ref). */
function scalarMatches(v: Scalar, node: Node): boolean {
  const kinds = nodeKinds(node);
  const kind = scalarKind(v);
  if (!kinds.has(kind) && !(kind === 'integer' && kinds.has('number'))) return false;
  const values = nodeValuesOf(node);
  if (values !== undefined && !values.includes(v)) return false;
  if (typeof v !== 'string') return true;
  const length = [...v].length;
  if (length < num(node['minLength'], 0) || length > num(node['maxLength'], Infinity)) return false;
  return typeof node['format'] !== 'string' || matchesFormat(node['format'], v);
}

function valuesOf(out: OutSchema): readonly Scalar[] | undefined {
  if ('const' in out) return [out['const'] as Scalar];
  return Array.isArray(out['enum']) ? (out['enum'] as Scalar[]) : undefined;
}

function nodeValuesOf(node: Node): readonly Scalar[] | undefined {
  let values: Scalar[] | undefined;
  if ('const' in node) values = [node['const'] as Scalar];
  if (Array.isArray(node['enum'])) {
    const list = node['enum'] as Scalar[];
    values = values === undefined ? [...list] : values.filter((v) => list.includes(v));
  }
  return values;
}

function outKinds(out: OutSchema): ReadonlySet<Kind> {
  const type = out['type'];
  if (type === undefined) return new Set(KINDS);
  return new Set((Array.isArray(type) ? type : [type]) as Kind[]);
}

function nodeKinds(node: Node): ReadonlySet<Kind> {
  return outKinds(node);
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

function isObject(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
