// Which names a declaration's value refers to: identifiers in code (not in strings, comments,
// member accesses or object keys), minus its own loop variables and lambda parameters.
import type { BicepFile, Declaration } from './declarations.ts';

export interface IdentifierUse {
  readonly name: string;
  readonly offset: number;
  /** Followed by `(`: a function call. */
  readonly call: boolean;
}

export const KEYWORDS = new Set([
  'param',
  'var',
  'resource',
  'module',
  'output',
  'type',
  'func',
  'existing',
  'for',
  'in',
  'if',
  'true',
  'false',
  'null',
  'sys',
  'az',
  'string',
  'int',
  'bool',
  'object',
  'array',
]);

/** The functions our templates may call: Bicep's own, nothing user-defined. */
export const BUILTIN_FUNCTIONS = new Set([
  'any',
  'concat',
  'contains',
  'empty',
  'filter',
  'first',
  'format',
  'guid',
  'join',
  'last',
  'length',
  'map',
  'readEnvironmentVariable',
  'replace',
  'resourceGroup',
  'resourceId',
  'skip',
  'split',
  'string',
  'subscription',
  'subscriptionResourceId',
  'substring',
  'take',
  'tenant',
  'toLower',
  'toUpper',
  'union',
  'uniqueString',
]);

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

export function identifierUses(file: BicepFile, decl: Declaration): IdentifierUse[] {
  if (decl.kind === 'type' || decl.kind === 'import' || decl.kind === 'using') return [];
  const { code } = file.scanned;
  const segment = code.slice(decl.valueStart, decl.end);
  const locals = localNames(segment);
  const uses: IdentifierUse[] = [];
  for (const match of segment.matchAll(IDENTIFIER)) {
    const offset = decl.valueStart + match.index;
    const name = match[0];
    if (/[0-9]/.test(code[offset - 1] ?? '')) continue;
    if (/\.\??\s*$/.test(code.slice(Math.max(0, offset - 3), offset))) continue;
    const rest = code.slice(offset + name.length);
    if (/^\s*:/.test(rest) && isKeyPosition(code, offset)) continue;
    if (KEYWORDS.has(name) || locals.has(name)) continue;
    uses.push({ name, offset, call: /^\s*\(/.test(rest) });
  }
  return uses;
}

/** An identifier followed by `:` is an object key when nothing but `{`, `,` or a line start precedes it. */
function isKeyPosition(code: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = code[i] ?? '';
    if (c === ' ' || c === '\t' || c === '\r') continue;
    return c === '\n' || c === '{' || c === ',';
  }
  return true;
}

function localNames(segment: string): Set<string> {
  const names = new Set<string>();
  for (const m of segment.matchAll(/\bfor\s+([A-Za-z_]\w*)\s+in\b/g)) names.add(m[1] ?? '');
  for (const m of segment.matchAll(
    /\bfor\s*\(\s*([A-Za-z_]\w*)\s*,\s*([A-Za-z_]\w*)\s*\)\s*in\b/g,
  )) {
    names.add(m[1] ?? '');
    names.add(m[2] ?? '');
  }
  for (const m of segment.matchAll(/\b([A-Za-z_]\w*)\s*=>/g)) names.add(m[1] ?? '');
  for (const m of segment.matchAll(/\(\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*\)\s*=>/g))
    for (const n of (m[1] ?? '').split(',')) names.add(n.trim());
  return names;
}

/** Every name a file declares at any depth: params, vars, resources (nested ones too), modules, types. */
export function declaredNames(file: BicepFile): Set<string> {
  const names = new Set<string>();
  for (const d of file.declarations) if (d.name !== '' && d.kind !== 'output') names.add(d.name);
  for (const m of file.scanned.code.matchAll(/^\s+resource\s+([A-Za-z_]\w*)/gm))
    names.add(m[1] ?? '');
  return names;
}
