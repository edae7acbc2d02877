// Splits a Bicep or .bicepparam file into its top-level declarations. Our templates keep every
// declaration at column 0 (as `bicep format` writes them), which is what this relies on.
import { type Scanned, type StringLiteral, lineOf, scan } from './scan.ts';

export type DeclarationKind =
  | 'param'
  | 'var'
  | 'resource'
  | 'module'
  | 'output'
  | 'type'
  | 'func'
  | 'targetScope'
  | 'metadata'
  | 'import'
  | 'using';

export interface Declaration {
  readonly kind: DeclarationKind;
  /** '' for declarations without a name (targetScope, using, import). */
  readonly name: string;
  /** 1-based line of the keyword. */
  readonly line: number;
  /** Offset of the first decorator, or of the keyword. */
  readonly start: number;
  readonly keywordStart: number;
  /** Offset just past the declaration (where the next one starts). */
  readonly end: number;
  /** The decorator lines, comments removed. */
  readonly decorators: string;
  /** The text between the name and the `=` (a param's or output's type). */
  readonly header: string;
  /** Resource type, module path or `using` path. */
  readonly target?: StringLiteral;
  /** Offset just past the declaration's `=`, or `end` when it has none. */
  readonly valueStart: number;
}

export interface BicepFile {
  /** Path relative to the templates' folder, with forward slashes. */
  readonly path: string;
  readonly source: string;
  readonly scanned: Scanned;
  readonly declarations: readonly Declaration[];
}

const START =
  /^(@|(param|var|resource|module|output|type|func|targetScope|metadata|import|using)\b)/;

export function parseBicep(path: string, source: string): BicepFile {
  const scanned = scan(source);
  const { code } = scanned;
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') lineStarts.push(i + 1);

  const starts: { offset: number; keyword: string | undefined }[] = [];
  for (const offset of lineStarts) {
    const match = START.exec(code.slice(offset, offset + 16));
    if (match !== null) starts.push({ offset, keyword: match[2] });
  }

  const declarations: Declaration[] = [];
  let decoratorStart: number | undefined;
  starts.forEach((entry, index) => {
    if (entry.keyword === undefined) {
      decoratorStart ??= entry.offset;
      return;
    }
    const start = decoratorStart ?? entry.offset;
    decoratorStart = undefined;
    const end = starts[index + 1]?.offset ?? code.length;
    declarations.push(
      declaration(scanned, source, entry.keyword as DeclarationKind, start, entry.offset, end),
    );
  });
  return { path, source, scanned, declarations };
}

function declaration(
  scanned: Scanned,
  source: string,
  kind: DeclarationKind,
  start: number,
  keywordStart: number,
  end: number,
): Declaration {
  const { code } = scanned;
  const afterKeyword = keywordStart + kind.length;
  const nameMatch = /^\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(code.slice(afterKeyword, end));
  const named =
    kind !== 'targetScope' && kind !== 'using' && kind !== 'import' && nameMatch !== null;
  const name = named ? (nameMatch[1] ?? '') : '';
  const nameEnd = named ? afterKeyword + nameMatch[0].length : afterKeyword;
  const equals = declarationEquals(code, nameEnd, end);
  const target = scanned.strings.find((s) => s.start >= nameEnd && s.start < (equals ?? end));
  return {
    kind,
    name,
    line: lineOf(source, keywordStart),
    start,
    keywordStart,
    end,
    decorators: scanned.uncommented.slice(start, keywordStart),
    header: code.slice(nameEnd, equals ?? end).trim(),
    ...(target === undefined ? {} : { target }),
    valueStart: equals === undefined ? end : equals + 1,
  };
}

/** The `=` that assigns the declaration: not part of `==`, `!=`, `<=`, `>=` or `=>`. */
function declarationEquals(code: string, from: number, to: number): number | undefined {
  for (let i = from; i < to; i++) {
    if (code[i] !== '=') continue;
    const before = code[i - 1] ?? '';
    const after = code[i + 1] ?? '';
    if ('=!<>'.includes(before) || after === '=' || after === '>') continue;
    return i;
  }
  return undefined;
}

/** The declaration's value, comments removed, strings kept. */
export function valueText(file: BicepFile, decl: Declaration): string {
  return file.scanned.uncommented.slice(decl.valueStart, decl.end).trim();
}

export function hasDecorator(decl: Declaration, name: string): boolean {
  return new RegExp(`@${name}\\s*\\(`).test(decl.decorators);
}

/** The argument text of a decorator, e.g. `@maxLength(24)` → '24'. */
export function decoratorArgument(decl: Declaration, name: string): string | undefined {
  const at = new RegExp(`@${name}\\s*\\(`).exec(decl.decorators);
  if (at === null) return undefined;
  let depth = 0;
  const from = at.index + at[0].length;
  for (let i = from; i < decl.decorators.length; i++) {
    const c = decl.decorators[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ')') {
      if (depth === 0) return decl.decorators.slice(from, i).trim();
      depth--;
    }
  }
  return undefined;
}

export function declarationsOf(file: BicepFile, kind: DeclarationKind): Declaration[] {
  return file.declarations.filter((d) => d.kind === kind);
}

/** Resource type without its API version, e.g. 'Microsoft.Storage/storageAccounts'. */
export function resourceType(decl: Declaration): string {
  return (decl.target?.body ?? '').split('@')[0] ?? '';
}

/** True for `resource x '...' existing = ...`. */
export function isExisting(decl: Declaration): boolean {
  return decl.kind === 'resource' && /\bexisting\b/.test(decl.header);
}
