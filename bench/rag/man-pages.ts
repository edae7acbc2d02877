// Debian's English man pages as documents for a labelled retrieval set: one per page, its NAME
// line's description apart from its text. Finding (and installing) the pages and turning roff into
// text is wasm/bench/man-corpus.ts's job; this file only splits the NAME section off.
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { locateManPages, roffToText } from '../../wasm/bench/man-corpus.ts';

export const MAN_ROOT = '/usr/share/man';

/** Fewer pages than this on the machine and locateManPages installs Debian's packages. */
export const MIN_MAN_PAGES = 1000;

export interface ManPage {
  /** The path under /usr/share/man without `.gz`, e.g. `man2/open.2`. */
  readonly id: string;
  /** The gzip file itself (links resolved). */
  readonly file: string;
  /** The NAME line's text after its dash, white space collapsed; null when there is none. */
  readonly description: string | null;
}

const NAME_HEADING = /^\.S[Hh]\s+"?NAME"?\s*$/i;
const HEADING = /^\.S[Hh](\s|$)/;
/** Em and en dashes in roff spellings; some NAME lines use them instead of `\-`. */
const ROFF_DASHES = /\\\(e[mn]|\\\[e[mn]\]/g;

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A page that only points at another (`.so man2/open.2`), after its comments. */
function isRedirect(lines: readonly string[]): boolean {
  const first = lines.find((l) => l.trim() !== '' && !/^[.']\\"/.test(l));
  return first?.startsWith('.so ') ?? false;
}

/** The description of a NAME section: mdoc's `.Nd`, or man's text after ` - `. */
export function descriptionOf(nameLines: readonly string[]): string | null {
  const nd = nameLines.filter((l) => l.startsWith('.Nd'));
  if (nd.length > 0) return collapse(roffToText(nd.join('\n'))) || null;
  const text = collapse(roffToText(nameLines.join('\n').replace(ROFF_DASHES, '\\-')));
  const dash = text.indexOf(' - ');
  if (dash < 0) return null;
  return text.slice(dash + 3).trim() || null;
}

/** Splits a roff page into its NAME section's lines and the rest; null for a redirect. */
export function splitNameSection(roff: string): {
  readonly nameLines: readonly string[];
  readonly rest: string;
  /** A heading after the section was seen (false: it may go on past the text given). */
  readonly ended: boolean;
} | null {
  const lines = roff.split('\n');
  if (isRedirect(lines)) return null;
  const start = lines.findIndex((l) => NAME_HEADING.test(l));
  if (start < 0) return { nameLines: [], rest: roff, ended: false };
  let end = start + 1;
  while (end < lines.length && !HEADING.test(lines[end]!)) end++;
  return {
    nameLines: lines.slice(start + 1, end),
    rest: [...lines.slice(0, start), ...lines.slice(end)].join('\n'),
    ended: end < lines.length,
  };
}

function idOf(listed: string, real: string): string {
  // Links (aliases, Debian alternatives) name the page they point at when it is an English page.
  const path = /^man\d\//.test(relative(MAN_ROOT, real)) ? real : listed;
  return relative(MAN_ROOT, path).replace(/\.gz$/, '');
}

const HEAD_BYTES = 4 * 1024;

/**
 * The page's first lines, enough for its NAME section: only the first compressed bytes are
 * inflated (most of the corpus is never decompressed for the descriptions), the whole file when the
 * page is small or the section runs past them.
 */
function nameSectionOf(file: string): ReturnType<typeof splitNameSection> {
  const fd = openSync(file, 'r');
  let head: Buffer;
  let whole: boolean;
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const read = readSync(fd, buffer, 0, HEAD_BYTES, 0);
    whole = read < HEAD_BYTES;
    head = buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
  if (!whole) {
    const roff = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8');
    const split = splitNameSection(roff);
    // Complete only if a later heading closed the section inside the inflated part.
    if (split === null || split.ended) return split;
  }
  return splitNameSection(gunzipSync(readFileSync(file)).toString('utf8'));
}

/** The page's plain text without its NAME section (the whole page is read). */
export function manPageText(page: ManPage): string {
  const split = splitNameSection(gunzipSync(readFileSync(page.file)).toString('utf8'));
  return split === null ? '' : collapse(roffToText(split.rest));
}

let cached: readonly ManPage[] | undefined;

/**
 * Every English page on this machine (man1..man8), once per real file, sorted by id. Redirect
 * stubs (`.so`) and unreadable files are left out. Read once a process; texts are read on demand.
 */
export function readManPages(): readonly ManPage[] {
  if (cached) return cached;
  const seen = new Set<string>();
  const pages: ManPage[] = [];
  for (const listed of locateManPages(MIN_MAN_PAGES)) {
    let file: string;
    let split: ReturnType<typeof splitNameSection>;
    try {
      file = realpathSync.native(listed);
      if (seen.has(file)) continue;
      seen.add(file);
      split = nameSectionOf(file);
    } catch {
      continue; // a dangling link or a corrupt page is skipped, not fatal
    }
    if (split === null) continue;
    pages.push({ id: idOf(listed, file), file, description: descriptionOf(split.nameLines) });
  }
  pages.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  cached = pages;
  return pages;
}

const DPKG_INFO = '/var/lib/dpkg/info';

/**
 * Ids of the English pages that the named Debian packages installed, from dpkg's file lists
 * (`<package>.list`, or `<package>:<arch>.list`). Lets a caller keep to, say, manpages and
 * manpages-dev, so its set does not depend on what else this machine has installed.
 */
export function pageIdsOfPackages(packages: readonly string[]): Set<string> {
  const lists = existsSync(DPKG_INFO) ? readdirSync(DPKG_INFO) : [];
  const ids = new Set<string>();
  for (const name of packages) {
    const files = lists.filter(
      (f) => f === `${name}.list` || (f.startsWith(`${name}:`) && f.endsWith('.list')),
    );
    if (files.length === 0)
      throw new Error(`${name} is not an installed Debian package (no ${DPKG_INFO}/${name}.list)`);
    for (const file of files) {
      for (const line of readFileSync(join(DPKG_INFO, file), 'utf8').split('\n')) {
        const id = relative(MAN_ROOT, line).replace(/\.gz$/, '');
        if (/^man\d\/[^/]+$/.test(id)) ids.add(id);
      }
    }
  }
  return ids;
}
