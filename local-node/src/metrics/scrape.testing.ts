// Scrapes a node's /metrics as Prometheus would and reads it with a real text-format parser, so
// tests check what a scraper sees, not what the code meant to write.
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

export interface Scrape {
  readonly text: string;
  readonly contentType: string;
  readonly families: readonly ParsedFamily[];
}

/** `init`: e.g. the edge's admin bearer token (a node's /metrics needs none). */
export async function scrape(url: string, init?: RequestInit): Promise<Scrape> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text}`);
  return {
    text,
    contentType: res.headers.get('content-type') ?? '',
    families: parsePrometheusTextFormat(text),
  };
}

export function familyOf(s: Scrape, name: string): ParsedFamily | undefined {
  return s.families.find((f) => f.name === name);
}

/** The value of the sample whose labels are exactly `labels`; undefined when there is none. */
export function valueOf(
  s: Scrape,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const sample = familyOf(s, name)?.metrics.find(
    (m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()) === wanted,
  );
  return sample?.value === undefined ? undefined : Number(sample.value);
}

/**
 * A histogram's cumulative bucket counts by `le`. The parser folds every label set of a family
 * into one map (its issue #13, pull request #8 unmerged), so a test reads this only while one
 * label set has samples, and checks that set's labels on the `_count` line itself.
 */
export function bucketsOf(s: Scrape, name: string): Record<string, number> | undefined {
  const buckets = familyOf(s, name)?.metrics[0]?.buckets;
  if (buckets === undefined) return undefined;
  return Object.fromEntries(Object.entries(buckets).map(([le, n]) => [le, Number(n)]));
}
