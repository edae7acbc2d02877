// Documents arrive as plain text, Markdown or HTML; chunking and BM25 want the words only. This is
// a light converter, not a parser. It does not handle: HTML attributes holding '<' or '>' inside
// quotes, entities without their ';' or outside the common named set, CDATA, <template> contents;
// in Markdown, HTML comments spanning lines, link URLs holding parentheses, nested brackets in link
// text, setext headings whose text spans several lines, or emphasis inside words (snake_case is
// kept as written). Indented code blocks stay as text, which is what they are. Every regex here is
// linear on any input: documents reach 2 MiB and are chosen by clients.

export type TextFormat = 'text' | 'markdown' | 'html';

export function toPlainText(text: string, format: TextFormat): string {
  const lines = text.replace(/\r\n?/g, '\n');
  const plain =
    format === 'html' ? htmlToText(lines) : format === 'markdown' ? markdownToText(lines) : lines;
  return collapseBlankLines(plain);
}

/** Whitespace-only lines become empty and runs of them one blank line; no blank lines at the ends. */
function collapseBlankLines(text: string): string {
  return text
    .replace(/^[^\S\n]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

// ---- entities -------------------------------------------------------------------------------

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  // A non-breaking space means nothing without layout: plain text gets a plain one.
  nbsp: ' ',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  bull: '•',
  middot: '·',
  copy: '©',
  reg: '®',
  trade: '™',
  deg: '°',
  times: '×',
  divide: '÷',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  sect: '§',
  para: '¶',
  shy: '',
};

/** `&name;`, `&#NN;` and `&#xHH;`; unknown names stay as written, invalid code points become U+FFFD. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z]{2,8});/g,
    (whole, body: string) => {
      if (body.startsWith('#')) {
        const hex = body[1] === 'x' || body[1] === 'X';
        const cp = Number.parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
        const valid = cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
        return valid ? String.fromCodePoint(cp) : '\ufffd';
      }
      return Object.hasOwn(NAMED_ENTITIES, body) ? NAMED_ENTITIES[body]! : whole;
    },
  );
}

// ---- HTML -----------------------------------------------------------------------------------

/** Elements whose content is never text for a reader. */
const DROPPED = new Set(['script', 'style', 'head', 'noscript']);
/** Elements that start a paragraph: a blank line, so the chunker can cut there. */
const PARAGRAPHS = new Set(
  'p div section article header footer main nav aside figure figcaption blockquote pre table ul ol dl form fieldset details summary address hr h1 h2 h3 h4 h5 h6'.split(
    ' ',
  ),
);
/** Elements that start a line (<br> always adds one, so two make a blank line). */
const LINES = new Set(['li', 'tr', 'dt', 'dd', 'caption', 'option']);
/** Table cells: separated by a space. */
const CELLS = new Set(['td', 'th']);

// Attribute text stops at '<' as well as '>': an unclosed tag then costs one scan to the next '<',
// not one to the end of the document.
const MARKUP =
  /<!--[\s\S]*?(?:-->|$)|<(\/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?\/?>|<![^<>]*>|<\?[^<>]*>/g;

function htmlToText(html: string): string {
  const out = new HtmlText();
  const unclosed = new Set<string>();
  let pre = 0;
  let at = 0;
  MARKUP.lastIndex = 0;
  for (let m = MARKUP.exec(html); m !== null; m = MARKUP.exec(html)) {
    out.text(html.slice(at, m.index), pre > 0);
    at = MARKUP.lastIndex;
    const name = m[2]?.toLowerCase();
    if (name === undefined) continue; // comment, doctype, processing instruction
    const closing = m[1] === '/';
    if (!closing && DROPPED.has(name)) {
      // Skip to the matching end tag; a <script> or <style> never closed runs to the end, as in a
      // browser, but an unclosed <head> only drops its own tag.
      // An end tag missing from here on is missing from any later point: search once.
      const end = new RegExp(`</${name}\\s*>`, 'gi');
      end.lastIndex = at;
      const close = unclosed.has(name) ? null : end.exec(html);
      if (close) at = end.lastIndex;
      else if (name !== 'head') at = html.length;
      else unclosed.add(name);
      MARKUP.lastIndex = at;
      continue;
    }
    if (name === 'pre') pre = Math.max(0, pre + (closing ? -1 : 1));
    if (name === 'br') out.lineBreak();
    else if (PARAGRAPHS.has(name)) out.breakTo(2);
    else if (LINES.has(name)) out.breakTo(1);
    else if (CELLS.has(name)) out.space();
  }
  out.text(html.slice(at), pre > 0);
  return out.join();
}

/**
 * The converted text, with what its end looks like kept on the side: reading the end of a growing
 * string would flatten it on every tag, quadratic on a 2 MiB page.
 */
class HtmlText {
  private out = '';
  /** Line breaks at the end of `out`. */
  private newlines = 0;
  /** A space owed before the next text, unless a break comes first. */
  private pendingSpace = false;

  /** Source whitespace collapses to one space, as a browser lays it out, except in <pre>. */
  text(raw: string, preformatted: boolean): void {
    if (raw === '') return;
    if (preformatted) {
      this.emit(decodeEntities(raw));
      return;
    }
    const run = decodeEntities(raw.replace(/\s+/g, ' '));
    const core = run.trim();
    if (run.startsWith(' ')) this.space();
    if (core !== '') this.emit(core);
    if (run.endsWith(' ')) this.space();
  }

  space(): void {
    if (this.out !== '' && this.newlines === 0) this.pendingSpace = true;
  }

  lineBreak(): void {
    this.pendingSpace = false;
    this.out += '\n';
    this.newlines++;
  }

  /** Line breaks up to `lines` in all at the end (a </li><li> pair makes one). */
  breakTo(lines: number): void {
    this.pendingSpace = false;
    if (this.out === '' || this.newlines >= lines) return;
    this.out += '\n'.repeat(lines - this.newlines);
    this.newlines = lines;
  }

  join(): string {
    return this.out;
  }

  private emit(text: string): void {
    if (text === '') return;
    if (this.pendingSpace) this.out += ' ';
    this.pendingSpace = false;
    this.out += text;
    let trailing = 0;
    while (trailing < text.length && text[text.length - 1 - trailing] === '\n') trailing++;
    this.newlines = trailing === text.length ? this.newlines + trailing : trailing;
  }
}

// ---- Markdown -------------------------------------------------------------------------------

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const TABLE_CELL_RULE = /^\s*:?-+:?\s*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_=])(\s*\1){2,}\s*$/;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*\S+(\s+("[^"]*"|'[^']*'|\([^)]*\)))?\s*$/;

/** A GFM delimiter row: dashes, optional colons, and at least one pipe (else it is a heading rule). */
function isTableRule(line: string): boolean {
  if (!line.includes('|') || !line.includes('-')) return false;
  const cells = tableCells(line).split('|');
  return cells.every((cell) => TABLE_CELL_RULE.test(cell));
}

/** A table row without its outer pipes. */
function tableCells(line: string): string {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|')) s = s.slice(0, -1);
  return s;
}

function markdownToText(md: string): string {
  const lines = md.split('\n');
  const out: string[] = [];
  let fence: string | null = null;
  let table = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const opener = FENCE.exec(line);
    if (fence !== null) {
      // Code is kept verbatim; only the closing fence line goes.
      if (opener && opener[1]!.startsWith(fence)) fence = null;
      else out.push(line);
      continue;
    }
    if (opener) {
      fence = opener[1]!;
      continue;
    }
    if (line.trim() === '') table = false;
    const next = lines[i + 1];
    if (line.includes('|') && next !== undefined && isTableRule(next)) {
      table = true;
    }
    if (
      (table && isTableRule(line)) ||
      THEMATIC_BREAK.test(line) ||
      REFERENCE_DEFINITION.test(line)
    ) {
      continue;
    }
    const row = table
      ? tableCells(line)
          .split('|')
          .map((cell) => cell.trim())
          .join(' ')
      : line;
    out.push(markdownLine(row));
  }
  return out.join('\n');
}

// Each rewrite runs only when its marker is on the line: most lines of prose have none, and a
// 2 MiB document has tens of thousands of lines.
function markdownLine(line: string): string {
  let s = line;
  if (s.includes('>')) s = s.replace(/^(\s{0,3}>\s?)+/, ''); // blockquote markers
  if (s.includes('#')) s = withoutHeadingMarks(s);
  s = s.replace(/^\s*([-*+]|\d{1,9}[.)])\s+(\[[ xX]\]\s+)?/, ''); // list bullet, task box
  if (s.includes('<')) {
    // Character classes stop at the next opener too, so unclosed brackets stay linear.
    s = s.replace(/<!--[\s\S]*?(-->|$)/g, '');
    s = s.replace(/<\/?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?\/?>/g, ''); // inline HTML tags
    s = s.replace(/<((?:https?|mailto|ftp):[^<>\s]+)>/g, '$1'); // autolinks keep the address
  }
  if (s.includes('[')) {
    s = s.replace(/!\[([^[\]]*)\]\([^()]*\)/g, '$1'); // image → alt
    s = s.replace(/\[([^[\]]*)\]\([^()]*\)/g, '$1'); // link → text
    s = s.replace(/\[([^[\]]+)\]\[[^[\]]*\]/g, '$1'); // reference link → text
  }
  if (s.includes('`')) s = s.replace(/`+([^`]*)`+/g, '$1'); // inline code
  if (s.includes('*') || s.includes('_') || s.includes('~')) {
    // Emphasis runs only where they touch a word on one side and not on the other: keeps
    // snake_case, 2 * 3 and file*globs.
    s = s.replace(/(^|[^\p{L}\p{N}\\])(\*{1,3}|_{1,3}|~~)(?=[^\s*_~])/gu, '$1');
    s = s.replace(/([^\s*_~\\])(\*{1,3}|_{1,3}|~~)(?=[^\p{L}\p{N}]|$)/gu, '$1');
  }
  if (s.includes('\\')) s = s.replace(/\\([!-/:-@[-`{-~])/g, '$1'); // backslash escapes
  return decodeEntities(s);
}

/** An ATX heading's opening hashes and optional closing ones (written out: a trailing `\s+#+\s*$`
 * regex is quadratic on long runs of spaces). */
function withoutHeadingMarks(line: string): string {
  const open = /^ {0,3}#{1,6}(?:[ \t]+|$)/.exec(line);
  if (!open) return line;
  const s = line.slice(open[0].length).trimEnd();
  let end = s.length;
  while (end > 0 && s[end - 1] === '#') end--;
  return end === 0 || s[end - 1] === ' ' || s[end - 1] === '\t' ? s.slice(0, end).trimEnd() : s;
}
