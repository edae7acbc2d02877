import { describe, expect, it } from 'vitest';
import { matchesFilter, type Metadata } from './filter.ts';

const doc: Metadata = { lang: 'en', year: 2024, draft: false, owner: null };

describe('matchesFilter', () => {
  it('matches every key by strict equality (AND)', () => {
    expect(matchesFilter(doc, {})).toBe(true);
    expect(matchesFilter(doc, { lang: 'en' })).toBe(true);
    expect(matchesFilter(doc, { lang: 'en', year: 2024, draft: false })).toBe(true);
    expect(matchesFilter(doc, { lang: 'en', year: 2023 })).toBe(false);
    expect(matchesFilter(doc, { year: '2024' })).toBe(false);
    expect(matchesFilter(doc, { draft: 0 })).toBe(false);
  });

  it('takes any of an $in list', () => {
    expect(matchesFilter(doc, { lang: { $in: ['de', 'en'] } })).toBe(true);
    expect(matchesFilter(doc, { lang: { $in: ['de', 'fr'] } })).toBe(false);
    expect(matchesFilter(doc, { year: { $in: [2023, 2024] }, lang: { $in: ['en'] } })).toBe(true);
  });

  it('treats a missing key as null', () => {
    expect(matchesFilter(doc, { missing: null })).toBe(true);
    expect(matchesFilter(doc, { owner: null })).toBe(true);
    expect(matchesFilter(doc, { missing: { $in: [null, 'x'] } })).toBe(true);
    expect(matchesFilter(doc, { missing: 'x' })).toBe(false);
  });

  it('reads only the metadata’s own keys, not Object.prototype', () => {
    expect(matchesFilter({}, { constructor: null, toString: null })).toBe(true);
    expect(matchesFilter({}, { hasOwnProperty: 'x' })).toBe(false);
  });
});
