// docs/metrics.md's node table says what the catalogue says: each node metric, its type and
// labels, and no metric the node does not export.
import { readFile } from 'node:fs/promises';
import { EDGE_METRICS, NODE_METRICS } from '@proxima/core/metrics';
import { describe, expect, it } from 'vitest';

const DOC = new URL('../../../docs/metrics.md', import.meta.url);

/** The rows of the table under "## <heading>": name, type, labels. */
async function tableOf(
  heading: string,
): Promise<Array<{ name: string; type: string; labels: string[] }>> {
  const text = await readFile(DOC, 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith(heading)) ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [name = '', type = '', labels = ''] = line
        .split('|')
        .slice(1)
        .map((c) => c.trim());
      return {
        name: name.replaceAll('`', ''),
        type,
        labels: labels === '' ? [] : labels.split(',').map((l) => l.trim().replaceAll('`', '')),
      };
    });
}

describe('docs/metrics.md, node metrics', () => {
  it('lists every node metric of the catalogue with its type and labels, and nothing else', async () => {
    const rows = await tableOf('Node metrics');
    const specs = Object.values(NODE_METRICS).map((s) => ({
      name: s.name,
      type: s.type,
      labels: [...s.labels],
    }));
    expect(rows).toEqual(specs);
  });
});

describe('docs/metrics.md, edge metrics', () => {
  it('lists every edge metric of the catalogue with its type and labels, and nothing else', async () => {
    const specs = Object.values(EDGE_METRICS).map((s) => ({
      name: s.name,
      type: s.type,
      labels: [...s.labels],
    }));
    expect(await tableOf('Edge metrics')).toEqual(specs);
  });
});
