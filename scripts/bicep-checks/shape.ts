// What a name expression can evaluate to, as bounds: its shortest and longest length, every
// character it may contain and every character it may start with. Enough to hold names built from
// literals, @allowed parameters, uniqueString() and take() to Azure's naming rules.
import {
  type BicepFile,
  type Declaration,
  decoratorArgument,
  declarationsOf,
  valueText,
} from './declarations.ts';

export interface Shape {
  readonly min: number;
  readonly max: number;
  /** Every character the value may contain; null: not known. */
  readonly chars: string | null;
  /** Every character the value may start with; null: not known. */
  readonly first: string | null;
}

/** A module's parameters bound to the expressions its caller passes. */
export interface Context {
  readonly file: BicepFile;
  readonly args?: ReadonlyMap<string, { readonly text: string; readonly context: Context }>;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
export const UNKNOWN: Shape = { min: 0, max: Infinity, chars: null, first: null };

export function literalShape(text: string): Shape {
  return { min: text.length, max: text.length, chars: unique(text), first: text.slice(0, 1) };
}

export function evaluate(
  text: string,
  context: Context,
  seen: ReadonlySet<string> = new Set(),
): Shape {
  const parser = new Parser(text.trim(), context, seen);
  const shape = parser.expression();
  return parser.atEnd() ? shape : UNKNOWN;
}

class Parser {
  private pos = 0;
  private readonly text: string;
  private readonly context: Context;
  private readonly seen: ReadonlySet<string>;

  constructor(text: string, context: Context, seen: ReadonlySet<string>) {
    this.text = text;
    this.context = context;
    this.seen = seen;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  expression(): Shape {
    const primary = this.primary();
    // A member access or index (`resourceGroup().id`, `d.name`) reads something not known here.
    let accessed = false;
    for (;;) {
      this.skipSpace();
      const member = /^(\.\?|\.|!\.)\s*[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
      if (member === null) break;
      this.pos += member[0].length;
      accessed = true;
    }
    return accessed ? UNKNOWN : primary;
  }

  private primary(): Shape {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === "'") return this.string();
    if (c !== undefined && /[0-9]/.test(c)) return literalShape(this.number());
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0];
    if (name === undefined) return this.fail();
    this.pos += name.length;
    this.skipSpace();
    if (this.text[this.pos] === '(') return this.call(name);
    if (this.text[this.pos] === '.') return UNKNOWN;
    return this.reference(name);
  }

  private string(): Shape {
    const parts: Shape[] = [];
    let literal = '';
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== "'") {
      if (this.text.startsWith('${', this.pos)) {
        parts.push(literalShape(literal));
        literal = '';
        this.pos += 2;
        parts.push(this.expression());
        this.skipSpace();
        if (this.text[this.pos] !== '}') return this.fail();
        this.pos++;
      } else if (this.text[this.pos] === '\\') {
        literal += this.text[this.pos + 1] ?? '';
        this.pos += 2;
      } else {
        literal += this.text[this.pos];
        this.pos++;
      }
    }
    this.pos++;
    parts.push(literalShape(literal));
    return concat(parts);
  }

  private number(): string {
    const digits = /^[0-9]+/.exec(this.text.slice(this.pos))?.[0] ?? '';
    this.pos += digits.length;
    return digits;
  }

  private call(name: string): Shape {
    this.pos++;
    const args: { shape: Shape; text: string }[] = [];
    this.skipSpace();
    while (this.pos < this.text.length && this.text[this.pos] !== ')') {
      const from = this.pos;
      const shape = this.expression();
      args.push({ shape, text: this.text.slice(from, this.pos).trim() });
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ')') return this.fail();
      this.skipSpace();
    }
    this.pos++;
    const [a, b, c] = args;
    switch (name) {
      case 'uniqueString':
        return { min: 13, max: 13, chars: LOWER + DIGITS, first: LOWER + DIGITS };
      case 'guid':
        return { min: 36, max: 36, chars: '0123456789abcdef-', first: '0123456789abcdef' };
      case 'take':
        return a !== undefined && b !== undefined ? take(a.shape, Number(b.text)) : UNKNOWN;
      case 'substring':
        return a !== undefined && c !== undefined ? take(a.shape, Number(c.text)) : UNKNOWN;
      case 'toLower':
        return a === undefined ? UNKNOWN : mapChars(a.shape, (s) => s.toLowerCase());
      case 'toUpper':
        return a === undefined ? UNKNOWN : mapChars(a.shape, (s) => s.toUpperCase());
      case 'concat':
        return concat(args.map((arg) => arg.shape));
      default:
        return UNKNOWN;
    }
  }

  private reference(name: string): Shape {
    if (this.seen.has(name)) return UNKNOWN;
    const seen = new Set([...this.seen, name]);
    const bound = this.context.args?.get(name);
    if (bound !== undefined) return evaluate(bound.text, bound.context);
    const { file } = this.context;
    const variable = declarationsOf(file, 'var').find((d) => d.name === name);
    if (variable !== undefined) return evaluate(valueText(file, variable), this.context, seen);
    const param = declarationsOf(file, 'param').find((d) => d.name === name);
    return param === undefined ? UNKNOWN : paramShape(param);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private fail(): Shape {
    this.pos = this.text.length + 1;
    return UNKNOWN;
  }
}

/** An @allowed list bounds a parameter fully; otherwise only @minLength/@maxLength bound its length. */
function paramShape(param: Declaration): Shape {
  const allowed = decoratorArgument(param, 'allowed');
  if (allowed !== undefined) {
    const values = [...allowed.matchAll(/'([^']*)'/g)].map((m) => literalShape(m[1] ?? ''));
    if (values.length > 0) return values.reduce(either);
  }
  const min = Number(decoratorArgument(param, 'minLength') ?? 0);
  const max = Number(decoratorArgument(param, 'maxLength') ?? Infinity);
  return { min, max, chars: null, first: null };
}

function either(a: Shape, b: Shape): Shape {
  return {
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    chars: a.chars === null || b.chars === null ? null : unique(a.chars + b.chars),
    first: a.first === null || b.first === null ? null : unique(a.first + b.first),
  };
}

function concat(parts: readonly Shape[]): Shape {
  const nonEmpty = parts.filter((p) => p.max > 0);
  const head = nonEmpty[0];
  return {
    min: parts.reduce((sum, p) => sum + p.min, 0),
    max: parts.reduce((sum, p) => sum + p.max, 0),
    chars: parts.some((p) => p.chars === null) ? null : unique(parts.map((p) => p.chars).join('')),
    first: head === undefined ? '' : head.min > 0 ? head.first : null,
  };
}

function take(shape: Shape, count: number): Shape {
  if (!Number.isInteger(count) || count < 0) return UNKNOWN;
  return {
    min: Math.min(shape.min, count),
    max: Math.min(shape.max, count),
    chars: shape.chars,
    first: count === 0 ? '' : shape.first,
  };
}

function mapChars(shape: Shape, f: (s: string) => string): Shape {
  return {
    ...shape,
    chars: shape.chars === null ? null : unique(f(shape.chars)),
    first: shape.first === null ? null : unique(f(shape.first)),
  };
}

function unique(chars: string): string {
  return [...new Set(chars)].sort().join('');
}
