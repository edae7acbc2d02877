// Sanity check of the labelled set: how many docs and queries it built here, how long it took, and
// three examples.
// Usage: node bench/rag/labelled-set-stats.ts [--docs N] [--queries N] [--seed N] [--packages a,b]
import { parseArgs } from 'node:util';
import { buildLabelledSet } from './labelled-set.ts';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '2000' },
    queries: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    packages: { type: 'string' },
  },
});
const options = {
  maxDocs: Number(values.docs),
  maxQueries: Number(values.queries),
  seed: Number(values.seed),
  ...(values.packages === undefined ? {} : { packages: values.packages.split(',') }),
};

const started = performance.now();
const set = buildLabelledSet(options);
const seconds = (performance.now() - started) / 1000;

const words = set.docs.reduce((n, d) => n + d.text.split(' ').length, 0);
const relevant = set.queries.reduce((n, q) => n + q.relevant.length, 0);
console.log(set.note);
console.log(
  `built in ${seconds.toFixed(1)} s: ${set.docs.length} docs (${Math.round(words / Math.max(1, set.docs.length))} words on average), ` +
    `${set.queries.length} queries (${(relevant / Math.max(1, set.queries.length)).toFixed(2)} relevant docs on average)`,
);
const byId = new Map(set.docs.map((d) => [d.id, d]));
for (const query of set.queries.slice(0, 3)) {
  console.log(`\nquery: ${query.text}\nrelevant: ${query.relevant.join(', ')}`);
  const first = byId.get(query.relevant[0] ?? '');
  console.log(`text of ${first?.id ?? '?'}: ${first?.text.slice(0, 160) ?? '?'}…`);
}
