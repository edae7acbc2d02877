// Azure's own rules, as text: API versions are real dates, names fit each type's naming rule,
// role definition ids are the documented built-in ones and each role is scoped to one resource.
import { type BicepFile, declarationsOf, isExisting, resourceType } from './declarations.ts';
import { NAME_RULES, type NameRule, SUBDOMAIN_RULE } from './naming.ts';
import { bodyOpen, entryText, objectEntries } from './objects.ts';
import { BUILT_IN_ROLES, roleKey } from './roles.ts';
import { type Context, evaluate, type Shape } from './shape.ts';
import { finding, lineAt, moduleArguments } from './structure.ts';
import { type Finding, isParamFile, resolvePath, type TemplateSet } from './templates.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function checkApiVersions(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values())
    for (const decl of declarationsOf(file, 'resource')) {
      const [type, version] = (decl.target?.body ?? '').split('@');
      const problem =
        type === undefined || !/^Microsoft\.[A-Za-z]+(\/[A-Za-z]+)+$/.test(type)
          ? `'${decl.target?.body ?? ''}' is not a resource type`
          : version === undefined
            ? `${type} has no API version`
            : apiVersionProblem(version);
      if (problem !== undefined) findings.push(finding('api-version', file, decl, problem));
    }
  return findings;
}

function apiVersionProblem(version: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(-preview)?$/.exec(version);
  if (match === null) return `API version '${version}' is not YYYY-MM-DD`;
  if (match[4] !== undefined) return `API version '${version}' is a preview: use a GA one`;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const real =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real && year >= 2014 ? undefined : `API version '${version}' is not a real date`;
}

/** Each file's evaluation context: a module's parameters bound to what its one caller passes. */
export function contexts(set: TemplateSet): Map<string, Context> {
  const result = new Map<string, Context>();
  const roots = [...set.files.values()].filter((f) => !isParamFile(f));
  for (const file of roots) if (!result.has(file.path)) result.set(file.path, { file });
  for (const file of roots) {
    const caller = result.get(file.path) ?? { file };
    for (const decl of declarationsOf(file, 'module')) {
      const module = set.files.get(resolvePath(file.path, decl.target?.body ?? ''));
      if (module === undefined) continue;
      const args = new Map(
        moduleArguments(file, decl).map(
          (a) => [a.key, { text: entryText(file, a), context: caller }] as const,
        ),
      );
      result.set(module.path, { file: module, args });
    }
  }
  return result;
}

export function checkNames(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const [path, context] of contexts(set)) {
    const file = set.files.get(path);
    if (file === undefined) continue;
    for (const decl of declarationsOf(file, 'resource')) {
      const rule = NAME_RULES.get(resourceType(decl));
      const open = bodyOpen(file, decl);
      if (rule === undefined || open === undefined || isExisting(decl)) continue;
      if (/^\s*\[\s*for\b/.test(file.scanned.code.slice(decl.valueStart, open))) continue;
      for (const entry of objectEntries(file, open)) {
        const entryRule =
          entry.key === 'name'
            ? rule
            : entry.key === 'customSubDomainName'
              ? SUBDOMAIN_RULE
              : undefined;
        if (entryRule === undefined) continue;
        const problem = nameProblem(evaluate(entryText(file, entry), context), entryRule);
        if (problem !== undefined)
          findings.push({
            check: 'name-rule',
            file: file.path,
            line: entry.line,
            message: `${resourceType(decl)} ${entry.key} of '${decl.name}': ${problem}`,
          });
      }
    }
  }
  return findings;
}

export function nameProblem(shape: Shape, rule: NameRule): string | undefined {
  if (shape.chars === null || !Number.isFinite(shape.max))
    return 'cannot be bounded (build it from literals, @allowed params, uniqueString() and take())';
  if (shape.min < rule.min) return `may be ${shape.min} characters, under the minimum ${rule.min}`;
  if (shape.max > rule.max) return `may be ${shape.max} characters, over the maximum ${rule.max}`;
  const bad = [...shape.chars].filter((c) => !rule.chars.includes(c));
  if (bad.length > 0) return `may contain ${JSON.stringify(bad.join(''))}, which the rule forbids`;
  const first = rule.first ?? rule.chars;
  const badFirst =
    shape.first === null ? ['?'] : [...shape.first].filter((c) => !first.includes(c));
  if (badFirst.length > 0) return `may start with ${JSON.stringify(badFirst.join(''))}`;
  return undefined;
}

export function checkRoleIds(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const file of set.files.values())
    for (const literal of file.scanned.strings) {
      if (!GUID.test(literal.body.toLowerCase())) continue;
      const role = BUILT_IN_ROLES.find((r) => r.id === literal.body.toLowerCase());
      const line = lineAt(file, literal.start);
      if (role === undefined) {
        findings.push({
          check: 'role-guid',
          file: file.path,
          line,
          message: `${literal.body} is not a documented built-in role id`,
        });
        continue;
      }
      seen.add(role.id);
      const label = /([A-Za-z_]\w*)\s*:\s*$/.exec(
        file.scanned.code.slice(file.source.lastIndexOf('\n', literal.start) + 1, literal.start),
      );
      if (label !== null && roleKey(label[1] ?? '') !== roleKey(role.name))
        findings.push({
          check: 'role-guid',
          file: file.path,
          line,
          message: `'${label[1] ?? ''}' holds the id of ${role.name}`,
        });
    }
  for (const role of BUILT_IN_ROLES)
    if (!seen.has(role.id))
      findings.push({
        check: 'role-missing',
        file: '(all)',
        line: 0,
        message: `no assignment of ${role.name}`,
      });
  return findings;
}

/** Every role assignment names a role by roleIds.<key> and is scoped to a resource that role may have. */
export function checkRoleScopes(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values())
    for (const decl of declarationsOf(file, 'resource')) {
      if (resourceType(decl) !== 'Microsoft.Authorization/roleAssignments') continue;
      const open = bodyOpen(file, decl);
      const entries = open === undefined ? [] : objectEntries(file, open);
      const scope = entries.find((e) => e.key === 'scope');
      const body = file.scanned.uncommented.slice(decl.valueStart, decl.end);
      const key = /roleIds\.([A-Za-z_]\w*)/.exec(body)?.[1];
      const role = BUILT_IN_ROLES.find(
        (r) => key !== undefined && roleKey(r.name) === roleKey(key),
      );
      if (role === undefined || scope === undefined) {
        findings.push(
          finding(
            'role-scope',
            file,
            decl,
            `'${decl.name}' must name roleIds.<role> and a resource scope`,
          ),
        );
        continue;
      }
      const scoped = scopeType(file, entryText(file, scope));
      if (scoped === undefined || !role.scopes.includes(scoped))
        findings.push(
          finding(
            'role-scope',
            file,
            decl,
            `${role.name} is scoped to ${scoped ?? entryText(file, scope)}; it belongs on ${role.scopes.join(' or ')}`,
          ),
        );
    }
  return findings;
}

function scopeType(file: BicepFile, name: string): string | undefined {
  const target = declarationsOf(file, 'resource').find((d) => d.name === name);
  return target === undefined ? undefined : resourceType(target);
}
