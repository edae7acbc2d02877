import { readFile } from 'node:fs/promises';

/** The parts of edge/wrangler.jsonc that the local runtime needs; one source of truth for both. */
export interface EdgeConfig {
  readonly main: string;
  readonly compatibilityDate: string;
  readonly compatibilityFlags: string[];
  readonly durableObjects: Array<{ name: string; className: string }>;
  readonly sqliteClasses: string[];
  readonly vars: Record<string, string>;
}

/** Strips // and /* comments and trailing commas, leaving strings alone. */
export function stripJsonc(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += ch;
      i++;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

function fail(path: string, what: string): never {
  throw new Error(`${path}: ${what}`);
}

export async function readEdgeConfig(path: string): Promise<EdgeConfig> {
  const raw = JSON.parse(stripJsonc(await readFile(path, 'utf8'))) as Record<string, unknown>;
  const main = typeof raw['main'] === 'string' ? raw['main'] : fail(path, 'main must be a string');
  const date =
    typeof raw['compatibility_date'] === 'string'
      ? raw['compatibility_date']
      : fail(path, 'compatibility_date missing');
  const flags = Array.isArray(raw['compatibility_flags'])
    ? raw['compatibility_flags'].map(String)
    : [];
  const dos =
    (
      raw['durable_objects'] as
        { bindings?: Array<{ name: string; class_name: string }> } | undefined
    )?.bindings ?? [];
  const migrations =
    (raw['migrations'] as Array<{ new_sqlite_classes?: string[] }> | undefined) ?? [];
  const vars = (raw['vars'] as Record<string, unknown> | undefined) ?? {};
  return {
    main,
    compatibilityDate: date,
    compatibilityFlags: flags,
    durableObjects: dos.map((d) => ({ name: d.name, className: d.class_name })),
    sqliteClasses: migrations.flatMap((m) => m.new_sqlite_classes ?? []),
    vars: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)])),
  };
}
