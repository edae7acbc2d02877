// Structural checks: module paths exist, module arguments match the module's parameters, every
// identifier is declared, every parameter is used.
import { type BicepFile, type Declaration, declarationsOf, hasDecorator } from './declarations.ts';
import { BUILTIN_FUNCTIONS, declaredNames, identifierUses } from './identifiers.ts';
import { bodyOpen, type Entry, entryObject, objectEntries } from './objects.ts';
import { type Finding, isParamFile, resolvePath, type TemplateSet } from './templates.ts';

export function checkModulePaths(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values()) {
    for (const decl of declarationsOf(file, 'module')) {
      const path = decl.target?.body ?? '';
      if (!set.files.has(resolvePath(file.path, path)))
        findings.push(
          finding('module-path', file, decl, `module ${decl.name}: '${path}' does not exist`),
        );
    }
  }
  return findings;
}

/** A module's `params: { ... }` entries. */
export function moduleArguments(file: BicepFile, decl: Declaration): Entry[] {
  const open = bodyOpen(file, decl);
  if (open === undefined) return [];
  const params = objectEntries(file, open).find((e) => e.key === 'params');
  const paramsOpen = params === undefined ? undefined : entryObject(file, params);
  return paramsOpen === undefined ? [] : objectEntries(file, paramsOpen);
}

/** A parameter the caller must pass: no default value and not a nullable type. */
export function isRequired(param: Declaration): boolean {
  return param.valueStart === param.end && !param.header.trim().endsWith('?');
}

export function checkModuleArguments(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values()) {
    for (const decl of declarationsOf(file, 'module')) {
      const module = set.files.get(resolvePath(file.path, decl.target?.body ?? ''));
      if (module === undefined) continue;
      const params = declarationsOf(module, 'param');
      const args = moduleArguments(file, decl);
      for (const arg of args) {
        if (!params.some((p) => p.name === arg.key))
          findings.push({
            check: 'module-args',
            file: file.path,
            line: arg.line,
            message: `module ${decl.name} passes '${arg.key}', which ${module.path} does not declare`,
          });
      }
      for (const param of params) {
        if (isRequired(param) && !args.some((a) => a.key === param.name))
          findings.push(
            finding(
              'module-args',
              file,
              decl,
              `module ${decl.name} does not pass ${module.path}'s required '${param.name}'`,
            ),
          );
      }
    }
  }
  return findings;
}

export function checkIdentifiers(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values()) {
    const declared = declaredNames(file);
    for (const decl of file.declarations) {
      for (const use of identifierUses(file, decl)) {
        const known = use.call ? BUILTIN_FUNCTIONS.has(use.name) : declared.has(use.name);
        if (!known)
          findings.push({
            check: 'identifier-undeclared',
            file: file.path,
            line: lineAt(file, use.offset),
            message: use.call ? `unknown function '${use.name}'` : `'${use.name}' is not declared`,
          });
      }
    }
  }
  return findings;
}

export function checkParamsUsed(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values()) {
    if (isParamFile(file)) continue;
    const used = new Set(
      file.declarations.flatMap((d) => identifierUses(file, d).map((u) => u.name)),
    );
    for (const param of declarationsOf(file, 'param'))
      if (!used.has(param.name))
        findings.push(
          finding('param-unused', file, param, `param '${param.name}' is declared but never used`),
        );
  }
  return findings;
}

/** Secure parameters must not be optional with a default: a default would be a secret in the file. */
export function checkSecureDefaults(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values())
    for (const param of declarationsOf(file, 'param'))
      if (hasDecorator(param, 'secure') && param.valueStart !== param.end)
        findings.push(
          finding(
            'secure-default',
            file,
            param,
            `@secure() param '${param.name}' has a default value`,
          ),
        );
  return findings;
}

export function finding(
  check: string,
  file: BicepFile,
  decl: Declaration,
  message: string,
): Finding {
  return { check, file: file.path, line: decl.line, message };
}

export function lineAt(file: BicepFile, offset: number): number {
  return file.source.slice(0, offset).split('\n').length;
}
