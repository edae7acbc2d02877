// axe-core inside the page under test: its source is evaluated in the page (no script tag, so the
// dashboard's CSP stays as it is), then axe.run checks the WCAG 2.1 A and AA rules.
import axe from 'axe-core';
import type { Page } from 'playwright-core';

export const WCAG_TAGS: readonly string[] = ['wcag2a', 'wcag2aa', 'wcag21aa'];

export interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  /** One CSS selector path per offending element. */
  readonly targets: readonly string[];
}

export async function axeViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axe.source);
  return page.evaluate(async (tags) => {
    const inPage = (globalThis as unknown as { axe: typeof axe }).axe;
    const results = await inPage.run({ runOnly: { type: 'tag', values: tags } });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  }, WCAG_TAGS);
}

/** One line per violation and element, for the test output. */
export function describeViolations(where: string, violations: readonly Violation[]): string {
  return violations
    .flatMap((v) => v.targets.map((t) => `${where}: ${v.id} (${v.impact ?? '?'}) ${t}: ${v.help}`))
    .join('\n');
}
