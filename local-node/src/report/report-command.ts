import { parseUsageParams, type UsageQuery } from '@proxima/core/limits';
import { ProximaError } from '@proxima/core/protocol';
import { Option, type Command } from 'commander';
import type { EdgeOptions } from '../cli/admin-command.ts';
import type { AdminTools } from '../cli/admin/tools.ts';
import { bytes } from '../cli/status-view.ts';
import { buildReport } from './build-report.ts';
import { fetchReportData } from './fetch-report-data.ts';
import { renderReportHtml } from './render-html.ts';
import { writeAtomically } from './write-atomically.ts';

interface ReportOptions extends EdgeOptions {
  readonly html: string;
  readonly since: string;
}

/** `--since` as the edge's usage query reads it (parseUsageParams), the flag named in the error. */
function rangeOf(since: string, now: number, command: Command): UsageQuery {
  try {
    return parseUsageParams({ since }, now);
  } catch (e) {
    if (!(e instanceof ProximaError)) throw e;
    // With only `since` given, a range "not before 'to'" is an empty one: 0m.
    const message = / before 'to'/.test(e.message)
      ? 'Invalid --since: the range is empty; give at least 1m.'
      : e.message.replace(/'(since|from)'/g, '--since');
    return command.error(`error: ${message}`);
  }
}

/**
 * `proxima report --html FILE [--since 7d]`: one self-contained HTML page on the fleet over a
 * time range (usage, latency, cache savings, incidents, nodes), from the edge's admin API with the
 * same edge options and token as `proxima admin`. A part the edge cannot give is marked missing
 * in the page; only the usage itself is required.
 */
export function addReportCommand(program: Command, tools: AdminTools): void {
  const { withEdgeOptions, execute, done } = tools;
  withEdgeOptions(
    program
      .command('report')
      .description(
        'Write a self-contained HTML report on the fleet: usage, latency, cache savings, incidents.',
      )
      .requiredOption('--html <file>', 'write the report to this file (replaced whole)')
      .addOption(
        new Option(
          '--since <duration>',
          'the range: the last 30m, 24h, 7d, ... (up to 400d)',
        ).default('7d'),
      )
      .addHelpText(
        'after',
        '\nThe page has no script and loads nothing: open it anywhere, mail it, print it.\n' +
          '--json prints {"path","bytes"} instead of the line saying where it went.\n',
      ),
  ).action(async (options: ReportOptions, command: Command) => {
    const range = rangeOf(options.since, Date.now(), command);
    done(
      await execute(options, command, async (client) => {
        const data = await fetchReportData({
          client,
          edge: options.edge,
          adminToken: options.adminToken ?? '',
          since: options.since,
          range,
        });
        const written = await writeAtomically(
          options.html,
          renderReportHtml(buildReport(data, Date.now())),
        );
        return {
          body: written,
          text: `Wrote ${written.path} (${bytes(written.bytes)}).\n`,
        };
      }),
    );
  });
}
