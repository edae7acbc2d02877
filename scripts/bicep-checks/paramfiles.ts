// .bicepparam files: the template they use exists, they set only its parameters, they set every
// required one, no secret is written in them, and a literal value fits the parameter's type,
// @allowed list and bounds.
import {
  type BicepFile,
  type Declaration,
  declarationsOf,
  decoratorArgument,
  hasDecorator,
  valueText,
} from './declarations.ts';
import { finding, isRequired } from './structure.ts';
import { type Finding, isParamFile, resolvePath, type TemplateSet } from './templates.ts';

export function checkParamFiles(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values()) {
    if (!isParamFile(file)) continue;
    const using = declarationsOf(file, 'using')[0];
    const target = set.files.get(resolvePath(file.path, using?.target?.body ?? ''));
    if (using === undefined || target === undefined) {
      findings.push({
        check: 'paramfile-using',
        file: file.path,
        line: using?.line ?? 1,
        message: `'using' names no template here (${using?.target?.body ?? 'none'})`,
      });
      continue;
    }
    const declared = declarationsOf(target, 'param');
    const assignments = declarationsOf(file, 'param');
    for (const assignment of assignments) {
      const param = declared.find((p) => p.name === assignment.name);
      if (param === undefined) {
        findings.push(
          finding(
            'paramfile-unknown',
            file,
            assignment,
            `'${assignment.name}' is not a parameter of ${target.path}`,
          ),
        );
        continue;
      }
      const value = valueText(file, assignment);
      if (hasDecorator(param, 'secure') && literalOf(value)?.kind === 'string' && value !== "''")
        findings.push(
          finding(
            'paramfile-secret',
            file,
            assignment,
            `@secure() '${assignment.name}' is written in the file`,
          ),
        );
      const problem = literalProblem(value, param);
      if (problem !== undefined)
        findings.push(
          finding('paramfile-value', file, assignment, `${assignment.name}: ${problem}`),
        );
    }
    for (const param of declared)
      if (isRequired(param) && !assignments.some((a) => a.name === param.name))
        findings.push({
          check: 'paramfile-missing',
          file: file.path,
          line: using.line,
          message: `required parameter '${param.name}' of ${target.path} is not set`,
        });
  }
  return findings;
}

type Literal =
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'bool' }
  | { kind: 'array' }
  | { kind: 'object' };

function literalOf(text: string): Literal | undefined {
  if (/^-?\d+$/.test(text)) return { kind: 'int', value: Number(text) };
  const string = /^'([^'\\$]*)'$/.exec(text);
  if (string !== null) return { kind: 'string', value: string[1] ?? '' };
  if (text === 'true' || text === 'false') return { kind: 'bool' };
  if (text.startsWith('[')) return { kind: 'array' };
  if (text.startsWith('{')) return { kind: 'object' };
  return undefined;
}

/** Why a literal cannot be this parameter's value; undefined when it fits (or is an expression). */
export function literalProblem(text: string, param: Declaration): string | undefined {
  const literal = literalOf(text);
  if (literal === undefined) return undefined;
  const type = param.header.replace(/\?$/, '').trim();
  const expected =
    type === 'int' || type === 'string' || type === 'bool' || type === 'object'
      ? type
      : type === 'array' || type.endsWith('[]')
        ? 'array'
        : 'object';
  if (literal.kind !== expected) return `a ${literal.kind} where the template wants ${type}`;
  const allowed = decoratorArgument(param, 'allowed');
  if (allowed !== undefined && (literal.kind === 'int' || literal.kind === 'string')) {
    const values = [...allowed.matchAll(/'([^']*)'|(-?\d+)/g)].map((m) => m[1] ?? Number(m[2]));
    if (!values.includes(literal.value)) return `${text} is not one of the allowed values`;
  }
  if (literal.kind === 'int') {
    const min = decoratorArgument(param, 'minValue');
    const max = decoratorArgument(param, 'maxValue');
    if (min !== undefined && literal.value < Number(min))
      return `${text} is below @minValue(${min})`;
    if (max !== undefined && literal.value > Number(max))
      return `${text} is above @maxValue(${max})`;
  }
  if (literal.kind === 'string') {
    const min = decoratorArgument(param, 'minLength');
    const max = decoratorArgument(param, 'maxLength');
    if (min !== undefined && literal.value.length < Number(min))
      return `shorter than @minLength(${min})`;
    if (max !== undefined && literal.value.length > Number(max))
      return `longer than @maxLength(${max})`;
  }
  return undefined;
}

/** The literal integer a .bicepparam file sets a parameter to, if it does. */
export function paramFileInt(file: BicepFile, name: string): number | undefined {
  const assignment = declarationsOf(file, 'param').find((d) => d.name === name);
  const literal = assignment === undefined ? undefined : literalOf(valueText(file, assignment));
  return literal?.kind === 'int' ? literal.value : undefined;
}
