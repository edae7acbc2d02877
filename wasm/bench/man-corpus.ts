// The real text corpus for bench:lsh: Debian's English man pages, stripped of roff markup and cut
// into passages. Installs the `manpages` packages with apt-get when the pages are missing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const MAN_ROOT = '/usr/share/man';
const PACKAGES = ['man-db', 'manpages', 'manpages-dev'];

function listPages(): string[] {
  const out: string[] = [];
  if (!existsSync(MAN_ROOT)) return out;
  // Only the untranslated sections (man1..man8); translations would add near-duplicate passages.
  for (const sec of readdirSync(MAN_ROOT).filter((d) => /^man\d$/.test(d))) {
    const dir = join(MAN_ROOT, sec);
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (f.endsWith('.gz') && statSync(p).isFile()) out.push(p);
    }
  }
  return out.sort();
}

/** Finds the man pages, installing Debian's packages when too few are present. */
export function locateManPages(minPages: number): string[] {
  let pages = listPages();
  if (pages.length >= minPages) return pages;
  console.log(
    `bench:lsh: only ${pages.length} man pages under ${MAN_ROOT}; installing ${PACKAGES.join(' ')} with apt-get`,
  );
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], {
      stdio: 'inherit',
    });
  } catch (err) {
    throw new Error(
      `bench:lsh needs Debian's man pages: "apt-get install -y ${PACKAGES.join(' ')}" failed`,
      {
        cause: err,
      },
    );
  }
  pages = listPages();
  if (pages.length < minPages) {
    throw new Error(
      `bench:lsh found ${pages.length} man pages after installing; need ${minPages}. Minimal images ` +
        'often exclude /usr/share/man in /etc/dpkg/dpkg.cfg.d/; drop that rule and reinstall the packages.',
    );
  }
  return pages;
}

const TEXT_MACROS = new Set(
  'SH SS B I BR IR RB RI BI IB SM SB IP TP HP PP LP Nm Nd Fl Ar Op Pa Xr Fn Fa Ft Va Dv Er Sh Ss Em Sy Dq Qq Ql Li Cm Ic'.split(
    ' ',
  ),
);

/** Plain text of a roff page: macro arguments kept, comments and escapes dropped. */
export function roffToText(src: string): string {
  const lines: string[] = [];
  for (const raw of src.split('\n')) {
    if (raw.startsWith('.\\"') || raw.startsWith('\'\\"') || raw.startsWith('.so ')) continue;
    let line = raw;
    if (line.startsWith('.') || line.startsWith("'")) {
      const m = /^[.'](\S+)\s*(.*)$/.exec(line);
      if (!m || !TEXT_MACROS.has(m[1]!)) continue;
      line = m[2]!.replace(/"/g, '');
    }
    lines.push(
      line
        .replace(/\\f(\[[^\]]*\]|\(..|.)/g, '')
        .replace(/\\\*(\[[^\]]*\]|\(..|.)/g, ' ')
        .replace(/\\\(../g, ' ')
        .replace(/\\\[[^\]]*\]/g, ' ')
        .replace(/\\s[+-]?\d+/g, '')
        .replace(/\\-/g, '-')
        .replace(/\\e/g, '\\')
        .replace(/\\./g, ' '),
    );
  }
  return lines.join(' ');
}

/** Passages of `words` words (non-overlapping), at least minWords long, exact duplicates dropped. */
export function passages(
  pages: readonly string[],
  words: number,
  minWords: number,
  limit: number,
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of pages) {
    let text: string;
    try {
      text = roffToText(gunzipSync(readFileSync(p)).toString('utf8'));
    } catch {
      continue; // a corrupt or non-gzip page is skipped, not fatal
    }
    const ws = text.split(/\s+/).filter((w) => w.length > 0);
    for (let i = 0; i + minWords <= ws.length; i += words) {
      const passage = ws.slice(i, i + words).join(' ');
      if (seen.has(passage)) continue;
      seen.add(passage);
      out.push(passage);
      if (out.length >= limit) return out;
    }
  }
  return out;
}
