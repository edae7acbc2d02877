// The labelled retrieval set from this machine's man pages (.ci/run installs Debian's).
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildLabelledSet,
  type LabelledSet,
  meanRecall,
  recallAtK,
} from '../bench/rag/labelled-set.ts';
import {
  descriptionOf,
  type ManPage,
  pageIdsOfPackages,
  readManPages,
  splitNameSection,
} from '../bench/rag/man-pages.ts';

const OPTIONS = { maxDocs: 300, maxQueries: 40, seed: 3 };

describe('man page NAME sections', () => {
  it('splits man(7) and mdoc NAME sections off and reads their descriptions', () => {
    const man = [
      '.\\" comment',
      '.TH OPEN 2',
      '.SH NAME',
      'open, openat, creat \\- open and possibly',
      'create a file',
      '.SH SYNOPSIS',
      '.B int open(const char *path);',
    ].join('\n');
    const split = splitNameSection(man);
    expect(split?.ended).toBe(true);
    expect(descriptionOf(split?.nameLines ?? [])).toBe('open and possibly create a file');
    expect(split?.rest).not.toContain('possibly');
    expect(split?.rest).toContain('int open');

    const mdoc = '.Sh NAME\n.Nm ssh\n.Nd OpenSSH remote login client\n.Sh SYNOPSIS\n.Nm ssh';
    expect(descriptionOf(splitNameSection(mdoc)?.nameLines ?? [])).toBe(
      'OpenSSH remote login client',
    );
    const emDash = '.SH "NAME"\nfoo \\(em do a foo thing\n.SH DESCRIPTION\nbody';
    expect(descriptionOf(splitNameSection(emDash)?.nameLines ?? [])).toBe('do a foo thing');
  });

  it('treats a .so page as a redirect, not a document', () => {
    expect(splitNameSection('.\\" alias\n.so man2/open.2\n')).toBeNull();
  });
});

describe('buildLabelledSet', () => {
  let set: LabelledSet;
  let pages: readonly ManPage[];
  let descriptionById: Map<string, string | null>;

  beforeAll(() => {
    set = buildLabelledSet(OPTIONS);
    pages = readManPages();
    descriptionById = new Map(pages.map((p) => [p.id, p.description]));
  });

  it('builds documents from real pages, without their NAME sections, within maxDocs', () => {
    expect(set.docs.length).toBeGreaterThan(OPTIONS.maxDocs / 2);
    expect(set.docs.length).toBeLessThanOrEqual(OPTIONS.maxDocs);
    const ids = set.docs.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const doc of set.docs) {
      expect(doc.id).toMatch(/^man[1-8]\/[^/]+$/);
      expect(descriptionById.has(doc.id)).toBe(true);
      expect(doc.text.length).toBeGreaterThan(0);
      // Untouched, a page's text starts with its NAME heading (roffToText keeps .SH lines).
      expect(doc.text.startsWith('NAME')).toBe(false);
    }
  });

  it('labels every page that shares a query description, and only those', () => {
    expect(set.queries.length).toBe(OPTIONS.maxQueries);
    const docIds = new Set(set.docs.map((d) => d.id));
    for (const query of set.queries) {
      expect(query.text.split(' ').length).toBeGreaterThanOrEqual(3);
      expect(query.relevant.length).toBeGreaterThanOrEqual(1);
      expect(query.relevant.length).toBeLessThanOrEqual(5);
      for (const id of query.relevant) {
        expect(docIds.has(id)).toBe(true);
        expect(descriptionById.get(id)).toBe(query.text);
      }
      const sharing = pages.filter((p) => p.description === query.text).map((p) => p.id);
      expect(query.relevant).toEqual(sharing.sort());
    }
    expect(new Set(set.queries.map((q) => q.text)).size).toBe(set.queries.length);
  });

  it('is deterministic for a seed, and another seed draws another set', () => {
    expect(buildLabelledSet(OPTIONS)).toEqual(set);
    const other = buildLabelledSet({ ...OPTIONS, seed: OPTIONS.seed + 1 });
    expect(other.queries.map((q) => q.text)).not.toEqual(set.queries.map((q) => q.text));
  });

  it("keeps to the named Debian packages' pages when asked", () => {
    const only = buildLabelledSet({ ...OPTIONS, packages: ['manpages-dev'] });
    const allowed = pageIdsOfPackages(['manpages-dev']);
    expect(only.docs.length).toBeGreaterThan(0);
    for (const doc of only.docs) expect(allowed.has(doc.id)).toBe(true);
    expect(only.note).toMatch(/from manpages-dev/);
    expect(() => pageIdsOfPackages(['no-such-package-here'])).toThrow(/not an installed/);
  });
});

describe('recallAtK and meanRecall', () => {
  it('count the share of relevant documents in the first k', () => {
    const ranked = ['a', 'b', 'c', 'd'];
    expect(recallAtK(ranked, ['c'], 2)).toBe(0);
    expect(recallAtK(ranked, ['c'], 3)).toBe(1);
    expect(recallAtK(ranked, ['a', 'd', 'z'], 4)).toBeCloseTo(2 / 3);
    expect(recallAtK(ranked, [], 1)).toBe(1);
    expect(
      meanRecall([ranked, ['x', 'c']], [{ relevant: ['a'] }, { relevant: ['c', 'q'] }], 2),
    ).toBe((1 + 0.5) / 2);
    expect(() => meanRecall([ranked], [], 2)).toThrow(/1 rankings for 0 queries/);
  });
});
