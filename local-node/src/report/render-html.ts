import escapeHtml from 'escape-html';
import type { Section } from '../cli/status-view.ts';
import { barChart, timeChart, type Bar } from './charts.ts';
import { compact, count, minute, ms, percent } from './format.ts';
import type {
  HourPoint,
  Incidents,
  NodeLine,
  RaftSummary,
  ReportModel,
  UsageLine,
} from './report-model.ts';
import { REPORT_CSS } from './report-style.ts';
import type { RouteLatency } from './route-latency.ts';

/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script, no external
 * resource (its Content-Security-Policy forbids fetching any), readable with JavaScript off, on a
 * phone and on paper. Pure: the model in, the page out. Every text from the edge goes through
 * `esc` (escape-html) before it enters the markup.
 */

const esc = (text: string): string => escapeHtml(text);
/** Bars drawn per chart; the rest are summed into one "others" bar (the tables list them all). */
const TOP_BARS = 12;

interface Column<T> {
  readonly header: string;
  readonly cell: (row: T) => string;
  readonly numeric?: boolean;
}

function table<T>(caption: string, columns: readonly Column<T>[], rows: readonly T[]): string {
  if (rows.length === 0) return `<p class="note">${esc(caption)}: none.</p>`;
  const head = columns
    .map((c) => `<th scope="col"${c.numeric === true ? ' class="n"' : ''}>${esc(c.header)}</th>`)
    .join('');
  const body = rows
    .map(
      (row) =>
        '<tr>' +
        columns
          .map((c, i) => {
            const text = esc(c.cell(row));
            if (i === 0) return `<th scope="row">${text}</th>`;
            return c.numeric === true ? `<td class="n">${text}</td>` : `<td>${text}</td>`;
          })
          .join('') +
        '</tr>',
    )
    .join('\n');
  return `<div class="table-wrap"><table><caption>${esc(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function missing(what: string, section: Section<unknown>): string {
  if (section.ok) return '';
  const why =
    section.status === 404
      ? `the edge does not serve it (an older version?): ${section.message}`
      : `${section.status === null ? '' : `${section.status} `}${section.message}`;
  return `<p class="missing"><strong>${esc(what)}: missing from this report.</strong> ${esc(why)}</p>`;
}

function figure(svg: string, caption: string, data: string): string {
  return `<figure><div class="chart-wrap">${svg}</div><figcaption>${esc(caption)}</figcaption></figure>\n${data}`;
}

const usageColumns = (first: string): Column<UsageLine>[] => [
  { header: first, cell: (r) => r.name },
  { header: 'Requests', cell: (r) => count(r.requests), numeric: true },
  { header: 'Errors', cell: (r) => count(r.errors), numeric: true },
  {
    header: 'Error rate',
    cell: (r) => percent(r.requests === 0 ? null : r.errors / r.requests),
    numeric: true,
  },
  { header: 'Prompt tokens', cell: (r) => count(r.promptTokens), numeric: true },
  { header: 'Completion tokens', cell: (r) => count(r.completionTokens), numeric: true },
  { header: 'Cache hits', cell: (r) => count(r.cacheHits), numeric: true },
  { header: 'Mean latency', cell: (r) => ms(r.meanLatencyMs), numeric: true },
  { header: 'Max latency', cell: (r) => ms(r.maxLatencyMs), numeric: true },
];

/** The busiest TOP_BARS lines as bars of prompt and completion tokens, the rest in one bar. */
function tokenBars(lines: readonly UsageLine[], unnamed: string): Bar[] {
  const byTokens = [...lines].sort(
    (a, b) =>
      b.promptTokens + b.completionTokens - (a.promptTokens + a.completionTokens) ||
      a.name.localeCompare(b.name),
  );
  const bars = byTokens.slice(0, TOP_BARS).map((l) => ({
    label: l.name === '' ? unnamed : l.name,
    values: [l.promptTokens, l.completionTokens],
  }));
  const rest = byTokens.slice(TOP_BARS);
  if (rest.length > 0)
    bars.push({
      label: `${count(rest.length)} others`,
      values: [
        rest.reduce((a, l) => a + l.promptTokens, 0),
        rest.reduce((a, l) => a + l.completionTokens, 0),
      ],
    });
  return bars;
}

function tokenChart(
  id: string,
  what: string,
  lines: readonly UsageLine[],
  unnamed: string,
): string {
  const bars = tokenBars(lines, unnamed);
  const top = bars
    .slice(0, 3)
    .map((b) => `${b.label} ${count(b.values.reduce((a, v) => a + v, 0))}`)
    .join(', ');
  return barChart({
    id,
    title: `Tokens per ${what}`,
    desc:
      bars.length === 0
        ? `No tokens were used in the range.`
        : `Horizontal bars of prompt and completion tokens per ${what}, the most first: ${top}. The table below has every value.`,
    segments: ['prompt', 'completion'],
    bars,
  });
}

function summary(m: ReportModel): string {
  const t = m.totals;
  const nodes = m.nodes.ok
    ? `${count(m.nodes.value.filter((n) => n.state !== 'disconnected').length)} / ${count(m.nodes.value.length)}`
    : '–';
  const cards: [string, string][] = [
    ['Requests', count(t.requests)],
    ['Errors', `${count(t.errors)} (${percent(t.requests === 0 ? null : t.errors / t.requests)})`],
    ['Prompt tokens', compact(t.promptTokens)],
    ['Completion tokens', compact(t.completionTokens)],
    ['Mean latency', ms(t.meanLatencyMs)],
    ['Answered by the cache', percent(m.cache.requestShare)],
    ['Incidents', count(m.incidents.items.length)],
    ['Nodes connected / known', nodes],
    ['Tenants with traffic', count(m.tenants.filter((l) => l.requests > 0).length)],
  ];
  return `<ul class="cards">${cards
    .map(
      ([label, value]) =>
        `<li><span class="value">${esc(value)}</span> <span class="label">${esc(label)}</span></li>`,
    )
    .join('')}</ul>`;
}

function hourlySection(m: ReportModel): string {
  if (!m.hourly.ok) return missing('Requests per hour', m.hourly);
  const points = m.hourly.value;
  const busiest = points.reduce<HourPoint | null>(
    (best, p) => (best === null || p.requests > best.requests ? p : best),
    null,
  );
  const svg = timeChart({
    id: 'chart-hourly',
    title: 'Requests and errors per hour',
    desc:
      `Two lines over ${count(points.length)} hours from ${minute(m.from)} to ${minute(m.to)}: ` +
      `requests (solid) and errors (dashed) per hour, ${count(m.totals.requests)} requests and ${count(m.totals.errors)} errors in all` +
      (busiest !== null && busiest.requests > 0
        ? `; the busiest hour began ${minute(busiest.hour)} with ${count(busiest.requests)} requests.`
        : '.'),
    x: points.map((p) => p.hour),
    series: [
      { name: 'requests', values: points.map((p) => p.requests) },
      { name: 'errors', values: points.map((p) => p.errors) },
    ],
  });
  const active = points.filter((p) => p.requests > 0);
  return figure(
    svg,
    'Requests and errors per hour (UTC); every tenant together.',
    table<HourPoint>(
      `Hours with requests (${count(active.length)} of ${count(points.length)}; the others had none)`,
      [
        { header: 'Hour (UTC)', cell: (p) => minute(p.hour) },
        { header: 'Requests', cell: (p) => count(p.requests), numeric: true },
        { header: 'Errors', cell: (p) => count(p.errors), numeric: true },
        { header: 'Prompt tokens', cell: (p) => count(p.promptTokens), numeric: true },
        { header: 'Completion tokens', cell: (p) => count(p.completionTokens), numeric: true },
      ],
      active,
    ),
  );
}

function usageSection(m: ReportModel): string {
  const tenants = figure(
    tokenChart('chart-tenants', 'tenant', m.tenants, '(none)'),
    'Tokens per tenant: prompt (first segment) and completion (second).',
    table('Usage per tenant', usageColumns('Tenant'), m.tenants),
  );
  const models = m.models.ok
    ? figure(
        tokenChart('chart-models', 'model', m.models.value, '(unknown)'),
        'Tokens per model: prompt (first segment) and completion (second).',
        table('Usage per model', usageColumns('Model'), m.models.value),
      )
    : missing('Usage per model', m.models);
  const backends = m.backends.ok
    ? table(
        'Usage per backend (node:<id>, upstream:<name>, cache, or none when nothing served it)',
        usageColumns('Backend'),
        m.backends.value,
      )
    : missing('Usage per backend', m.backends);
  return (
    `<h2 id="usage">Usage</h2>${hourlySection(m)}` +
    `<h3>Per tenant</h3>${tenants}<h3>Per model</h3>${models}<h3>Per backend</h3>${backends}`
  );
}

function cacheSection(m: ReportModel): string {
  const c = m.cache;
  let out = `<h2 id="cache">Cache savings</h2>`;
  if (c.requests === 0)
    return `${out}<p>No request was answered by the semantic cache in the range.</p>${
      c.basis === 'cacheHits' ? missing('Usage per model and backend', m.models) : ''
    }`;
  out += `<p>${esc(count(c.requests))} of ${esc(count(m.totals.requests))} requests (${esc(percent(c.requestShare))}) were answered by the semantic cache, without a backend.</p>`;
  if (c.basis === 'cacheHits') {
    out += missing('Usage per model and backend', m.models);
    out += `<p class="note">Counted from the tenants' cache hits; the tokens spared need the usage per model and backend.</p>`;
    return out;
  }
  out += `<p>The cache spared generating about <strong>${esc(count(c.estimatedCompletionTokens ?? 0))}</strong> completion tokens (${esc(percent(c.estimatedCompletionShare))} of all completion tokens, generated or spared).</p>`;
  out += `<p class="note">A cached answer is recorded with ${esc(count(c.recordedCompletionTokens ?? 0))} completion tokens, as nothing is generated; the estimate gives each hit the mean completion tokens of its model's generated answers in the range.${
    c.hitsWithoutEstimate > 0
      ? ` ${esc(count(c.hitsWithoutEstimate))} hits had no generated answer of their model to compare with and are left out.`
      : ''
  }</p>`;
  return out;
}

function latencySection(m: ReportModel): string {
  let out = `<h2 id="latency">Latency</h2>`;
  out += `<p>Over the range, a request took ${esc(ms(m.totals.meanLatencyMs))} on average and ${esc(ms(m.totals.maxLatencyMs))} at most (per tenant and model in the usage tables).</p>`;
  out += `<h3>Percentiles per route</h3>`;
  out += `<p class="note">From the edge's request-duration histogram (<code>proxima_edge_request_duration_seconds</code>, time to the response's headers; a stream: its first byte). These count <strong>since the edge's metrics began</strong>, not over this report's range, and are interpolated within histogram buckets as Prometheus' histogram_quantile does.</p>`;
  if (!m.latency.ok) return out + missing('Latency percentiles', m.latency);
  return (
    out +
    table<RouteLatency>(
      'Latency per route group',
      [
        { header: 'Route', cell: (r) => r.route },
        { header: 'Requests', cell: (r) => count(r.requests), numeric: true },
        { header: 'Mean', cell: (r) => ms(r.meanMs), numeric: true },
        { header: 'p50', cell: (r) => ms(r.p50Ms), numeric: true },
        { header: 'p95', cell: (r) => ms(r.p95Ms), numeric: true },
        { header: 'p99', cell: (r) => ms(r.p99Ms), numeric: true },
      ],
      m.latency.value,
    )
  );
}

function incidentsSection(inc: Incidents): string {
  let out = `<h2 id="incidents">Incidents</h2><p>An incident is any of:</p><ul>${inc.rules
    .map((r) => `<li>${esc(r)}</li>`)
    .join('')}</ul>`;
  if (inc.unavailable.length > 0)
    out += `<p class="missing">Could not be read, so their incidents are not listed: ${esc(inc.unavailable.join(', '))}.</p>`;
  if (inc.items.length === 0) return `${out}<p>No incident in the range.</p>`;
  const rows = inc.items
    .map(
      (i) =>
        `<tr><th scope="row">${esc(minute(i.at))}</th><td>${esc(i.kind)}${
          i.ongoing ? ' <span class="ongoing">(ongoing)</span>' : ''
        }</td><td>${esc(i.subject)}</td><td>${esc(i.text)}</td></tr>`,
    )
    .join('\n');
  return `${out}<div class="table-wrap"><table><caption>${esc(`${count(inc.items.length)} incidents, newest first`)}</caption><thead><tr><th scope="col">Began (UTC)</th><th scope="col">Kind</th><th scope="col">Subject</th><th scope="col">What</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
}

function nodesTable(nodes: readonly NodeLine[]): string {
  if (nodes.length === 0) return `<p>No node has connected yet.</p>`;
  const rows = nodes
    .map(
      (n) =>
        `<tr><th scope="row">${esc(n.id)}</th><td class="state-${esc(n.state)}">${esc(n.state)}</td><td>${esc(n.engine || '–')}</td><td>${esc(n.gpu || '–')}</td><td>${esc(n.models.join(', ') || '–')}</td><td class="n">${esc(count(n.slots))}</td><td class="n">${esc(n.inFlight === null ? '–' : count(n.inFlight))}</td><td class="n">${esc(n.queued === null ? '–' : count(n.queued))}</td><td>${esc(minute(n.updatedAt))}</td></tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table><caption>Nodes now</caption><thead><tr><th scope="col">Node</th><th scope="col">State</th><th scope="col">Engine</th><th scope="col">GPU</th><th scope="col">Models</th><th scope="col" class="n">Slots</th><th scope="col" class="n">In flight</th><th scope="col" class="n">Queued</th><th scope="col">Last heard (UTC)</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
}

function raftPart(r: RaftSummary): string {
  const ids = (list: readonly number[]) => (list.length === 0 ? 'none' : list.join(', '));
  const head = `<p>Voters ${esc(ids(r.voters))}; learners ${esc(ids(r.learners))}; ${
    r.leader === 0 ? '<span class="ongoing">no leader</span>' : `leader ${esc(String(r.leader))}`
  }.</p>`;
  return (
    head +
    table(
      'Raft peers',
      [
        { header: 'Peer', cell: (p: RaftSummary['peers'][number]) => String(p.id) },
        { header: 'Answered', cell: (p) => (p.error === null ? 'yes' : `no: ${p.error}`) },
        { header: 'Term', cell: (p) => (p.term === null ? '–' : count(p.term)), numeric: true },
        {
          header: 'Commit index',
          cell: (p) => (p.commit === null ? '–' : count(p.commit)),
          numeric: true,
        },
      ],
      r.peers,
    )
  );
}

function fleetSection(m: ReportModel): string {
  return (
    `<h2 id="fleet">Fleet now</h2><p class="note">As the edge saw it when this report was made, not over the range.</p>` +
    `<h3>Nodes</h3>${m.nodes.ok ? nodesTable(m.nodes.value) : missing('Nodes', m.nodes)}` +
    `<h3>Registry (Raft)</h3>${m.raft.ok ? raftPart(m.raft.value) : missing('Registry (Raft)', m.raft)}`
  );
}

/** The whole page. */
export function renderReportHtml(m: ReportModel): string {
  const range = `${minute(m.from)} to ${minute(m.to)} (the last ${m.since})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="color-scheme" content="light">
<title>${esc(`Proxima fleet report, ${range}`)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>Proxima fleet report</h1>
<p class="meta">Edge <code>${esc(m.edge)}</code> · ${esc(range)} · made ${esc(minute(m.generatedAt))} · times in UTC</p>
</header>
<nav aria-label="Sections"><ol><li><a href="#summary">Summary</a></li><li><a href="#usage">Usage</a></li><li><a href="#cache">Cache savings</a></li><li><a href="#latency">Latency</a></li><li><a href="#incidents">Incidents</a></li><li><a href="#fleet">Fleet now</a></li></ol></nav>
<main>
<h2 id="summary">Summary</h2>
${summary(m)}
${usageSection(m)}
${cacheSection(m)}
${latencySection(m)}
${incidentsSection(m.incidents)}
${fleetSection(m)}
</main>
<footer class="note"><p>Made by <code>proxima report</code> from the edge's admin API: usage (<code>/admin/usage</code>), latency (<code>/metrics</code>), nodes, alerts, the audit log and the Raft group. This page loads nothing and runs no script.</p></footer>
</body>
</html>
`;
}
