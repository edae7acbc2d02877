import { describe, expect, it } from 'vitest';
import { Inflights } from './inflights.ts';
import { Progress } from './progress.ts';

describe('flow control', () => {
  it('inflights fill by count and free on acknowledgement', () => {
    const f = new Inflights(3, 0);
    f.add(1, 10);
    f.add(2, 10);
    f.add(3, 10);
    expect(f.full()).toBe(true);
    f.freeLE(2);
    expect(f.count).toBe(1);
    expect(f.full()).toBe(false);
  });
  it('inflights fill by bytes', () => {
    const f = new Inflights(100, 250);
    f.add(1, 100);
    f.add(2, 100);
    expect(f.full()).toBe(false);
    f.add(3, 100);
    expect(f.full()).toBe(true);
    expect(f.inflightBytes).toBe(300);
    f.freeLE(3);
    expect(f.inflightBytes).toBe(0);
  });
  it('progress: probe sends one message at a time, replicate pipelines up to the window', () => {
    const p = new Progress(5, 2, 0, false);
    expect(p.isPaused()).toBe(false);
    p.sentEntries(1, 10);
    expect(p.isPaused()).toBe(true);
    expect(p.maybeUpdate(5)).toBe(true);
    p.becomeReplicate();
    p.sentEntries(2, 20);
    p.sentEntries(2, 20);
    expect(p.next).toBe(10);
    expect(p.isPaused()).toBe(true);
    p.inflights.freeLE(7);
    expect(p.isPaused()).toBe(false);
  });
  it('progress: a rejection in probe follows the hint, a stale one is ignored', () => {
    const p = new Progress(20, 4, 0, false);
    expect(p.maybeDecrTo(19, 7)).toBe(true);
    expect(p.next).toBe(8);
    expect(p.maybeDecrTo(19, 3)).toBe(false);
  });
});
