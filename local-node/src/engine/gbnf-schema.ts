/**
 * Translates the JSON Schema subset that core accepts (core/protocol/openai/json-schema.ts) into
 * node-llama-cpp's GbnfJsonSchema, so its grammar only lets the model write JSON that validates.
 *
 * The grammar may produce a subset of the valid values, never a value outside them:
 * - every listed property is written (node-llama-cpp has no optional properties), except optional
 *   ones beyond `maxProperties`; extra properties are written only when `minProperties` asks for
 *   them, under names of our own (`extra_1`…), so a key never repeats a listed one;
 * - anyOf becomes oneOf (node-llama-cpp's "one of" is a plain union); a real oneOf keeps only the
 *   alternatives that provably match no other alternative (gbnf-schema-excludes.ts);
 * - keywords beside oneOf/anyOf/$ref are merged into each alternative (JSON Schema intersects);
 * - `{}` / `true` become "any JSON value", type lists a union, `definitions` the root `$defs`.
 * A schema that admits no value the grammar can write throws UnenforceableSchemaError.
 */
import { SCHEMA_ANNOTATIONS, type JsonSchema } from '@proxima/core/protocol';
import { excludes, type OutSchema } from './gbnf-schema-excludes.ts';
import { type Kind, KINDS, matchesFormat, scalarKind } from './json-scalar.ts';

export type { OutSchema } from './gbnf-schema-excludes.ts';

/** The schema (or a combination inside it) admits no value a grammar can produce. */
export class UnenforceableSchemaError extends Error {
  override readonly name = 'UnenforceableSchemaError';
}

type Node = Readonly<Record<string, unknown>>;
type Scalar = string | number | boolean | null;

/** Keywords that constrain nothing here: annotations, and definitions (read at the root). */
const ANNOTATIONS = new Set([...SCHEMA_ANNOTATIONS, '$defs', 'definitions']);
/** Bounds nesting, inlined references and alternatives, so a hostile schema cannot blow up. */
const MAX_DEPTH = 64;
const MAX_ALTERNATIVES = 64;

const ANY: OutSchema = {
  oneOf: [
    { type: ['string', 'number', 'boolean', 'null'] },
    { type: 'object', additionalProperties: true },
    { type: 'array' },
  ],
};

export function toGbnfJsonSchema(schema: JsonSchema): OutSchema {
  return new Translator(schema).root();
}

class Translator {
  private readonly defs = new Map<string, { readonly node: unknown; readonly out: string }>();
  private readonly outDefs: Record<string, OutSchema> = {};
  private readonly translating = new Set<string>();
  private readonly schema: Node;

  constructor(schema: Node) {
    this.schema = schema;
    const own = (key: string): Node => {
      const v = schema[key];
      return isObject(v) ? v : {};
    };
    for (const [name, node] of Object.entries(own('$defs')))
      this.defs.set(`#/$defs/${name}`, { node, out: name });
    for (const [name, node] of Object.entries(own('definitions'))) {
      const clash = Object.hasOwn(own('$defs'), name);
      this.defs.set(`#/definitions/${name}`, { node, out: clash ? `definitions-${name}` : name });
    }
    // core accepts a ref into either section by name, as long as the name exists in one of them.
    for (const [name] of Object.entries(own('$defs')))
      if (!this.defs.has(`#/definitions/${name}`))
        this.defs.set(`#/definitions/${name}`, this.defs.get(`#/$defs/${name}`)!);
    for (const [name] of Object.entries(own('definitions')))
      if (!this.defs.has(`#/$defs/${name}`))
        this.defs.set(`#/$defs/${name}`, this.defs.get(`#/definitions/${name}`)!);
  }

  root(): OutSchema {
    const out = this.all([this.schema], 0);
    if (Object.keys(this.outDefs).length === 0) return out;
    const $defs = { ...this.outDefs };
    const isContainer = 'oneOf' in out || out['type'] === 'object' || out['type'] === 'array';
    return isContainer ? { ...out, $defs } : { oneOf: [out], $defs };
  }

  /** A value valid against every node in `list` (their intersection). */
  all(list: readonly unknown[], depth: number): OutSchema {
    if (depth > MAX_DEPTH) throw new UnenforceableSchemaError('the schema nests too deeply');
    const nodes = list.filter((n): n is Node => isObject(n) && !isAnnotationOnly(n));
    if (nodes.length === 0) return ANY;
    if (nodes.length === 1 && isPlainRef(nodes[0]!)) return this.ref(nodes[0]!, depth);
    // Inline a reference that has company: its target joins the intersection.
    const refAt = nodes.findIndex((n) => '$ref' in n);
    if (refAt >= 0) {
      const { $ref, ...rest } = nodes[refAt]!;
      const target = this.defs.get(String($ref))?.node ?? {};
      return this.all(
        [...nodes.slice(0, refAt), rest, target, ...nodes.slice(refAt + 1)],
        depth + 1,
      );
    }
    const splitAt = nodes.findIndex((n) => 'oneOf' in n || 'anyOf' in n);
    if (splitAt >= 0) return this.alternatives(nodes, splitAt, depth);
    return this.merged(nodes, depth);
  }

  private ref(node: Node, depth: number): OutSchema {
    const def = this.defs.get(String(node['$ref']));
    if (def === undefined)
      throw new UnenforceableSchemaError(`unknown $ref ${String(node['$ref'])}`);
    if (!(def.out in this.outDefs) && !this.translating.has(def.out)) {
      this.translating.add(def.out);
      try {
        this.outDefs[def.out] = this.all([def.node], depth + 1);
      } finally {
        this.translating.delete(def.out);
      }
    }
    return { $ref: `#/$defs/${def.out}` };
  }

  /** Distributes the intersection over one node's oneOf/anyOf: (S ∧ A) ∨ (S ∧ B) … */
  private alternatives(nodes: readonly Node[], at: number, depth: number): OutSchema {
    const { oneOf, anyOf, ...siblings } = nodes[at]!;
    const others = [...nodes.slice(0, at), siblings, ...nodes.slice(at + 1)];
    // One list becomes the branches, the other stays a condition on each branch.
    const [branches, kind, rest] = Array.isArray(anyOf)
      ? [anyOf as unknown[], 'anyOf', oneOf === undefined ? {} : { oneOf }]
      : [oneOf as unknown[], 'oneOf', {}];
    if (branches.length > MAX_ALTERNATIVES)
      throw new UnenforceableSchemaError(`more than ${MAX_ALTERNATIVES} alternatives`);
    const outs: OutSchema[] = [];
    for (const [i, branch] of branches.entries()) {
      let out: OutSchema;
      try {
        out = this.all([...others, rest, branch], depth + 1);
      } catch (err) {
        if (err instanceof UnenforceableSchemaError) continue; // this branch admits nothing
        throw err;
      }
      // oneOf means exactly one: what this branch writes must fail every other branch.
      const lookup = (ref: string) => this.lookup(ref);
      if (
        kind === 'oneOf' &&
        branches.some((b, j) => j !== i && !excludes(out, b, lookup, this.outLookup))
      )
        continue;
      outs.push(out);
    }
    if (outs.length === 0)
      throw new UnenforceableSchemaError(
        kind === 'oneOf'
          ? 'no oneOf alternative provably excludes the others'
          : 'no anyOf alternative admits a value',
      );
    return outs.length === 1 ? outs[0]! : { oneOf: outs };
  }

  private readonly outLookup = (name: string): OutSchema | undefined => this.outDefs[name];

  private lookup(ref: string): unknown {
    return this.defs.get(ref)?.node;
  }

  /** Plain nodes (no ref, no alternatives): intersect their keywords kind by kind. */
  private merged(nodes: readonly Node[], depth: number): OutSchema {
    let kinds = new Set<Kind>(KINDS);
    let values: Scalar[] | undefined;
    for (const n of nodes) {
      kinds = intersectKinds(kinds, kindsOf(n['type']));
      for (const list of [
        'const' in n ? [n['const'] as Scalar] : undefined,
        Array.isArray(n['enum']) ? (n['enum'] as Scalar[]) : undefined,
      ]) {
        if (list === undefined) continue;
        values = values === undefined ? [...list] : values.filter((v) => list.includes(v));
      }
    }
    const string = stringBounds(nodes);
    if (values !== undefined) {
      const fit = values.filter((v) => {
        const kind = scalarKind(v);
        if (!kinds.has(kind) && !(kind === 'integer' && kinds.has('number'))) return false;
        if (typeof v !== 'string' || string === undefined) return true;
        return string !== null && stringFits(v, string);
      });
      if (fit.length === 0) throw new UnenforceableSchemaError('no const/enum value fits');
      return fit.length === 1 ? { const: fit[0] } : { enum: [...new Set(fit)] };
    }
    const outs: OutSchema[] = [];
    const basic: Kind[] = [];
    for (const kind of kinds) {
      if (kind === 'integer' && kinds.has('number')) continue; // number covers it
      try {
        if (kind === 'string') {
          if (string === undefined) basic.push(kind);
          else if (string !== null) outs.push(stringOut(string));
        } else if (kind === 'object') outs.push(this.object(nodes, depth));
        else if (kind === 'array') outs.push(this.array(nodes, depth));
        else basic.push(kind);
      } catch (err) {
        if (!(err instanceof UnenforceableSchemaError) || kinds.size === 1) throw err;
      }
    }
    if (basic.length > 0) outs.unshift({ type: basic.length === 1 ? basic[0] : basic });
    if (outs.length === 0) throw new UnenforceableSchemaError('no type admits a value');
    return outs.length === 1 ? outs[0]! : { oneOf: outs };
  }

  private object(nodes: readonly Node[], depth: number): OutSchema {
    const keys: string[] = [];
    const required = new Set<string>();
    let min = 0;
    let max = Infinity;
    for (const n of nodes) {
      for (const k of Object.keys(asObject(n['properties']))) if (!keys.includes(k)) keys.push(k);
      for (const r of asArray(n['required'])) required.add(String(r));
      min = Math.max(min, asNumber(n['minProperties'], 0));
      max = Math.min(max, asNumber(n['maxProperties'], Infinity));
    }
    /** What every node says about a key: its property schema, else its additionalProperties. */
    const schemasFor = (key: string | null): unknown[] | null => {
      const list: unknown[] = [];
      for (const n of nodes) {
        const props = asObject(n['properties']);
        if (key !== null && Object.hasOwn(props, key)) list.push(props[key]);
        else if (n['additionalProperties'] === false) return null;
        else if (isObject(n['additionalProperties'])) list.push(n['additionalProperties']);
      }
      return list;
    };
    const properties: Record<string, OutSchema> = {};
    const ordered = [
      ...keys.filter((k) => required.has(k)),
      ...keys.filter((k) => !required.has(k)),
    ];
    for (const r of required)
      if (!keys.includes(r)) throw new UnenforceableSchemaError(`required '${r}' is not listed`);
    for (const key of ordered) {
      const isRequired = required.has(key);
      if (!isRequired && Object.keys(properties).length >= max) break;
      const list = schemasFor(key);
      if (list === null) {
        if (isRequired) throw new UnenforceableSchemaError(`required '${key}' is forbidden`);
        continue;
      }
      try {
        properties[key] = this.all(list, depth + 1);
      } catch (err) {
        if (!(err instanceof UnenforceableSchemaError) || isRequired) throw err;
      }
    }
    const count = Object.keys(properties).length;
    if (count > max)
      throw new UnenforceableSchemaError('more required properties than maxProperties');
    const extra = schemasFor(null);
    if (count === 0 && extra !== null && min === 0) {
      // Free-form object: keys may repeat, which only lowers the count; nothing else to break.
      const value = extra.length === 0 ? true : this.all(extra, depth + 1);
      return {
        type: 'object',
        additionalProperties: value,
        ...(max === Infinity ? {} : { maxProperties: max }),
      };
    }
    if (count < min) {
      if (extra === null)
        throw new UnenforceableSchemaError('minProperties needs extra properties');
      const value = this.all(extra, depth + 1);
      for (let i = 1; Object.keys(properties).length < min; i++) {
        const name = `extra_${i}`;
        if (!keys.includes(name)) properties[name] = value;
      }
    }
    return { type: 'object', properties };
  }

  private array(nodes: readonly Node[], depth: number): OutSchema {
    let min = 0;
    let max = Infinity;
    let prefixLength = 0;
    for (const n of nodes) {
      min = Math.max(min, asNumber(n['minItems'], 0));
      max = Math.min(max, asNumber(n['maxItems'], Infinity));
      const prefix = asArray(n['prefixItems']).length;
      prefixLength = Math.max(prefixLength, prefix);
      if (n['items'] === false) max = Math.min(max, prefix);
    }
    if (min > max) throw new UnenforceableSchemaError('minItems is greater than maxItems');
    /** Every node's schema for the item at `index`. */
    const schemasAt = (index: number): unknown[] => {
      const list: unknown[] = [];
      for (const n of nodes) {
        const prefix = asArray(n['prefixItems']);
        if (index < prefix.length) list.push(prefix[index]);
        else if (isObject(n['items'])) list.push(n['items']);
      }
      return list;
    };
    const prefixItems: OutSchema[] = [];
    for (let i = 0; i < Math.min(prefixLength, max); i++) {
      try {
        prefixItems.push(this.all(schemasAt(i), depth + 1));
      } catch (err) {
        // Items are optional from minItems on: stop the array before one that admits nothing.
        if (!(err instanceof UnenforceableSchemaError) || i < min) throw err;
        max = i;
      }
    }
    let items: OutSchema | undefined;
    if (max > prefixItems.length) {
      try {
        items = this.all(schemasAt(prefixLength), depth + 1);
      } catch (err) {
        if (!(err instanceof UnenforceableSchemaError) || min > prefixItems.length) throw err;
        max = prefixItems.length;
      }
    }
    return {
      type: 'array',
      ...(prefixItems.length > 0 ? { prefixItems } : {}),
      ...(items !== undefined && max > prefixItems.length ? { items } : {}),
      ...(min > 0 ? { minItems: min } : {}),
      ...(max === Infinity ? {} : { maxItems: max }),
    };
  }
}

interface StringBounds {
  readonly min: number;
  readonly max: number;
  readonly format: string | undefined;
}

/** The nodes' string keywords merged; undefined when there are none, null when they conflict. */
function stringBounds(nodes: readonly Node[]): StringBounds | null | undefined {
  let min = 0;
  let max = Infinity;
  let format: string | undefined;
  let any = false;
  for (const n of nodes) {
    if ('minLength' in n || 'maxLength' in n || 'format' in n) any = true;
    min = Math.max(min, asNumber(n['minLength'], 0));
    max = Math.min(max, asNumber(n['maxLength'], Infinity));
    if (typeof n['format'] === 'string') {
      if (format !== undefined && format !== n['format']) return null;
      format = n['format'];
    }
  }
  if (!any) return undefined;
  // A format fixes its own shape; with a length bound too, the grammar cannot honour both.
  if (min > max || (format !== undefined && (min > 0 || max !== Infinity))) return null;
  return { min, max, format };
}

function stringFits(s: string, b: StringBounds): boolean {
  const length = [...s].length; // JSON Schema counts code points
  if (length < b.min || length > b.max) return false;
  return b.format === undefined || matchesFormat(b.format, s);
}

function stringOut(b: StringBounds): OutSchema {
  if (b.format !== undefined) return { type: 'string', format: b.format };
  return {
    type: 'string',
    ...(b.min > 0 ? { minLength: b.min } : {}),
    ...(b.max === Infinity ? {} : { maxLength: b.max }),
  };
}

function kindsOf(type: unknown): ReadonlySet<Kind> {
  if (type === undefined) return new Set(KINDS);
  return new Set((Array.isArray(type) ? type : [type]) as Kind[]);
}

function intersectKinds(a: ReadonlySet<Kind>, b: ReadonlySet<Kind>): Set<Kind> {
  const out = new Set<Kind>();
  for (const k of a) {
    if (b.has(k)) out.add(k);
    else if ((k === 'integer' && b.has('number')) || (k === 'number' && b.has('integer')))
      out.add('integer');
  }
  return out;
}

function isAnnotationOnly(n: Node): boolean {
  return Object.keys(n).every((k) => ANNOTATIONS.has(k));
}

function isPlainRef(n: Node): boolean {
  return '$ref' in n && Object.keys(n).every((k) => k === '$ref' || ANNOTATIONS.has(k));
}

function isObject(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asObject(v: unknown): Node {
  return isObject(v) ? v : {};
}

function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

function asNumber(v: unknown, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}
