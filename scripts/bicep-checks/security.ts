// Secrets stay secret: a @secure() parameter reaches only a Key Vault secret (or a @secure()
// parameter of a module), never an output; no output reads keys or connection strings; nothing
// lists storage keys (shared keys are off).
import {
  type BicepFile,
  declarationsOf,
  hasDecorator,
  resourceType,
  valueText,
} from './declarations.ts';
import { identifierUses } from './identifiers.ts';
import { finding, lineAt, moduleArguments } from './structure.ts';
import { type Finding, resolvePath, type TemplateSet } from './templates.ts';

const SECRET_SINK = 'Microsoft.KeyVault/vaults/secrets';

/** Outputs must not carry keys, connection strings or secret values. */
const OUTPUT_FORBIDDEN: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /\blist[A-Za-z]*\s*\(/, what: 'a list*() call (keys, SAS or connection strings)' },
  { pattern: /\.keys\b|\.primaryKey\b|\.secondaryKey\b/i, what: 'a key' },
  { pattern: /connectionstring/i, what: 'a connection string' },
  { pattern: /AccountKey=|SharedAccessSignature|InstrumentationKey/i, what: 'a credential' },
  { pattern: /\.properties\.value\b/, what: "a secret's value" },
];

/** Names whose value depends on a @secure() parameter: the parameters and every var built from them. */
export function taintedNames(file: BicepFile): Set<string> {
  const tainted = new Set(
    declarationsOf(file, 'param')
      .filter((p) => hasDecorator(p, 'secure'))
      .map((p) => p.name),
  );
  for (let grew = true; grew;) {
    grew = false;
    for (const v of declarationsOf(file, 'var')) {
      if (tainted.has(v.name)) continue;
      if (identifierUses(file, v).some((u) => tainted.has(u.name))) {
        tainted.add(v.name);
        grew = true;
      }
    }
  }
  return tainted;
}

export function checkSecureFlow(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values()) {
    const tainted = taintedNames(file);
    if (tainted.size === 0) continue;
    for (const decl of file.declarations) {
      const uses = identifierUses(file, decl).filter((u) => tainted.has(u.name));
      if (uses.length === 0 || decl.kind === 'var') continue;
      if (decl.kind === 'output') {
        findings.push(
          finding('secure-output', file, decl, `output '${decl.name}' carries a @secure() value`),
        );
      } else if (decl.kind === 'resource' && resourceType(decl) === SECRET_SINK) {
        continue;
      } else if (decl.kind === 'module') {
        const module = set.files.get(resolvePath(file.path, decl.target?.body ?? ''));
        for (const arg of moduleArguments(file, decl)) {
          const carries = uses.some((u) => u.offset >= arg.valueStart && u.offset < arg.valueEnd);
          const param =
            module === undefined
              ? undefined
              : declarationsOf(module, 'param').find((p) => p.name === arg.key);
          if (carries && (param === undefined || !hasDecorator(param, 'secure')))
            findings.push({
              check: 'secure-flow',
              file: file.path,
              line: arg.line,
              message: `a @secure() value goes to ${decl.name}.${arg.key}, which is not @secure()`,
            });
        }
      } else {
        for (const use of uses)
          findings.push({
            check: 'secure-flow',
            file: file.path,
            line: lineAt(file, use.offset),
            message: `@secure() '${use.name}' reaches ${decl.kind} '${decl.name}' (only a Key Vault secret may hold it)`,
          });
      }
    }
  }
  return findings;
}

export function checkOutputs(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values())
    for (const output of declarationsOf(file, 'output')) {
      const text = valueText(file, output);
      for (const { pattern, what } of OUTPUT_FORBIDDEN)
        if (pattern.test(text))
          findings.push(
            finding('output-secret', file, output, `output '${output.name}' reads ${what}`),
          );
    }
  return findings;
}

/** Shared-key access is disabled, so nothing may list storage (or any other) keys. */
export function checkNoKeyListing(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values())
    for (const match of file.scanned.code.matchAll(
      /\blist(Keys|AccountSas|ServiceSas|Secrets|ConnectionStrings)\s*\(/g,
    ))
      findings.push({
        check: 'no-keys',
        file: file.path,
        line: lineAt(file, match.index),
        message: `${match[0].replace(/\s*\($/, '')}() reads a key; every service here takes the managed identity`,
      });
  return findings;
}

/** Every app setting value is either plain configuration or a Key Vault reference, never a key. */
export function checkAppSettings(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const file of set.files.values())
    for (const decl of declarationsOf(file, 'resource')) {
      if (resourceType(decl) !== 'Microsoft.Web/sites/config') continue;
      const text = file.scanned.uncommented.slice(decl.valueStart, decl.end);
      if (/AccountKey=|DefaultEndpointsProtocol=/i.test(text))
        findings.push(
          finding(
            'app-settings',
            file,
            decl,
            'an app setting holds a storage connection string with a key',
          ),
        );
    }
  return findings;
}
