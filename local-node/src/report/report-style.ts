/**
 * The report's stylesheet, inlined in its <style>: system fonts (nothing fetched), tables that
 * scroll sideways on a phone, charts that scale to the column, and print rules (no dark
 * backgrounds, no breaks inside a figure or a table row).
 */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #59636e; --rule: #d8dee4; --soft: #f6f8fa;
  --s0: #0b63c5; --s1: #c23b22; --s2: #2f8f46; --s3: #8a5cd0; --bad: #b42318; --ok: #1a7f37; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 64rem; padding: 1.5rem 1rem 3rem; color: var(--ink); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.75rem; line-height: 1.2; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 .5rem; padding-bottom: .25rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p { margin: .5rem 0; }
.meta, .note, figcaption, caption { color: var(--muted); font-size: .9rem; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
nav ol { columns: 2 12rem; padding-left: 1.25rem; margin: .75rem 0; }
nav a { color: var(--s0); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(10.5rem, 1fr)); gap: .75rem; margin: 1rem 0; padding: 0; list-style: none; }
.cards li { border: 1px solid var(--rule); border-radius: .5rem; padding: .6rem .8rem; background: var(--soft); }
.cards .value { display: block; font-size: 1.35rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.cards .label { color: var(--muted); font-size: .85rem; }
figure { margin: 1rem 0; }
.chart-wrap { overflow-x: auto; }
.chart { display: block; width: 100%; min-width: 34rem; height: auto; font: 12px system-ui, sans-serif; }
.chart .grid { stroke: var(--rule); stroke-width: 1; }
.chart .tick { stroke: var(--muted); }
.chart .axis { fill: var(--muted); }
.chart .label { fill: var(--ink); }
.chart .line { fill: none; stroke-width: 2; stroke-linejoin: round; }
.chart .legend line { stroke-width: 3; }
.chart .legend text { fill: var(--ink); stroke: none; }
.series-0 { stroke: var(--s0); fill: var(--s0); }
.series-1 { stroke: var(--s1); fill: var(--s1); }
.series-2 { stroke: var(--s2); fill: var(--s2); }
.series-3 { stroke: var(--s3); fill: var(--s3); }
.line.series-1, .legend.series-1 line { stroke-dasharray: 6 3; }
.line.series-0, .line.series-1 { fill: none; }
.table-wrap { overflow-x: auto; margin: .75rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
caption { text-align: left; padding: .25rem 0; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody th { background: none; font-weight: 500; white-space: normal; overflow-wrap: anywhere; min-width: 7rem; }
.missing { border-left: 4px solid var(--bad); padding: .4rem .75rem; background: #fff4f2; }
.ongoing { color: var(--bad); font-weight: 600; }
.state-ready { color: var(--ok); }
.state-suspect, .state-degraded, .state-gone, .state-disconnected { color: var(--bad); }
footer { margin-top: 3rem; border-top: 1px solid var(--rule); padding-top: .75rem; }
@media (max-width: 40rem) { body { font-size: 15px; padding: 1rem .75rem 2rem; } h1 { font-size: 1.4rem; } th, td { padding: .25rem .4rem; } }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  figure, tr, .cards li { break-inside: avoid; }
  .table-wrap, .chart-wrap { overflow: visible; }
  .chart { min-width: 0; }
  .cards li, th, .missing { background: none; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
`;
