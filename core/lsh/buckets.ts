// The LSH tables in typed arrays: per table an open-addressing directory (key → bucket), and every
// bucket's slots in a block of one shared pool. A full block doubles (the old one goes to a free
// list of its size), so add and swap-remove stay amortised O(1) and a bucket is contiguous for the
// search loop. A million entries are a few dozen arrays instead of millions of small JS arrays for
// the garbage collector to trace.

/** Int32 fields of a directory entry, side by side so one probe touches one cache line. */
const KEY = 0; // key + 1; 0 marks an empty position
const START = 1; // where the bucket's block starts in the pool
const LEN = 2; // slots in the bucket
const CLS = 3; // the block holds 2^CLS slots
const STRIDE = 4;

/** One table's key → bucket map: linear probing, backward-shift deletion (no tombstones). */
export class Directory {
  /** STRIDE Int32 fields per position; read them at find()'s result + START / + LEN. */
  entries: Int32Array;
  count = 0;
  private mask: number;
  private shift: number;

  constructor(log2Capacity = 3) {
    this.entries = new Int32Array(STRIDE << log2Capacity);
    this.mask = (1 << log2Capacity) - 1;
    this.shift = 32 - log2Capacity;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** The offset in entries of key's bucket, or -1. */
  find(key: number): number {
    const { entries, mask } = this;
    const want = key + 1;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      const k = entries[i * STRIDE + KEY]!;
      if (k === want) return i * STRIDE;
      if (k === 0) return -1;
    }
  }

  /** Adds key (which must be absent) with an empty bucket at pool offset start; returns its offset. */
  insert(key: number, start: number): number {
    if (2 * (this.count + 1) > this.capacity) this.rehash(this.capacity * 2);
    const { entries, mask } = this;
    let i = this.home(key);
    while (entries[i * STRIDE + KEY] !== 0) i = (i + 1) & mask;
    const e = i * STRIDE;
    entries[e + KEY] = key + 1;
    entries[e + START] = start;
    entries[e + LEN] = 0;
    entries[e + CLS] = 0;
    this.count++;
    return e;
  }

  /** Empties the entry at offset e, shifting later entries of its probe run back into the hole. */
  delete(e: number): void {
    const { entries, mask } = this;
    let hole = e / STRIDE;
    for (let j = (hole + 1) & mask; entries[j * STRIDE + KEY] !== 0; j = (j + 1) & mask) {
      // The entry at j may fill the hole when the hole lies on its probe path (home … j).
      const h = this.home(entries[j * STRIDE + KEY]! - 1);
      if (((j - h) & mask) >= ((j - hole) & mask)) {
        entries.copyWithin(hole * STRIDE, j * STRIDE, j * STRIDE + STRIDE);
        hole = j;
      }
    }
    entries[hole * STRIDE + KEY] = 0;
    this.count--;
  }

  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  private rehash(capacity: number): void {
    const old = this.entries;
    this.entries = new Int32Array(STRIDE * capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    for (let e = 0; e < old.length; e += STRIDE) {
      const k = old[e + KEY]!;
      if (k === 0) continue;
      let i = this.home(k - 1);
      while (this.entries[i * STRIDE + KEY] !== 0) i = (i + 1) & this.mask;
      this.entries.set(old.subarray(e, e + STRIDE), i * STRIDE);
    }
  }
}

/**
 * A directory indexed by the key itself, for key spaces small enough to allocate whole: no hashing
 * or probing, and smaller than a hash directory once buckets fill more than a few % of the keys.
 */
export class DenseDirectory {
  readonly entries: Int32Array;
  count = 0;

  constructor(bits: number) {
    this.entries = new Int32Array(STRIDE << bits);
  }

  get capacity(): number {
    return this.entries.length / STRIDE;
  }

  find(key: number): number {
    const e = key * STRIDE;
    return this.entries[e + KEY] === 0 ? -1 : e;
  }

  insert(key: number, start: number): number {
    const e = key * STRIDE;
    this.entries[e + KEY] = key + 1;
    this.entries[e + START] = start;
    this.entries[e + LEN] = 0;
    this.entries[e + CLS] = 0;
    this.count++;
    return e;
  }

  delete(e: number): void {
    this.entries[e + KEY] = 0;
    this.count--;
  }
}

/** Dense directories while all tables' key spaces fit in this many positions (16 B each). */
const DENSE_MAX_POSITIONS = 1 << 21;

/** L tables of buckets of slot numbers; keys are integers in [0, 2^bits), bits ≤ 30. */
export class BucketTables {
  /** Every bucket's slots: a bucket is pool[START, START + LEN) of its directory entry. */
  pool = new Int32Array(1024);
  readonly dirs: readonly (Directory | DenseDirectory)[];
  private top = 0;
  /** Free blocks by size class (their pool offsets). */
  private readonly free: number[][] = [];

  constructor(tables: number, bits: number) {
    const dense = tables * 2 ** bits <= DENSE_MAX_POSITIONS;
    this.dirs = Array.from({ length: tables }, () =>
      dense ? new DenseDirectory(bits) : new Directory(),
    );
  }

  /** Appends slot to bucket key of table t and returns its position in the bucket. */
  add(t: number, key: number, slot: number): number {
    const d = this.dirs[t]!;
    let e = d.find(key);
    if (e < 0) e = d.insert(key, this.allocate(0));
    const en = d.entries;
    const pos = en[e + LEN]!;
    if (pos === 1 << en[e + CLS]!) {
      const cls = en[e + CLS]!;
      const to = this.allocate(cls + 1);
      const from = en[e + START]!;
      this.pool.copyWithin(to, from, from + pos);
      this.release(from, cls);
      en[e + START] = to;
      en[e + CLS] = cls + 1;
    }
    this.pool[en[e + START]! + pos] = slot;
    en[e + LEN] = pos + 1;
    return pos;
  }

  /**
   * Removes position pos of bucket key in table t by moving the bucket's last slot there. Returns
   * the slot that moved to pos, or -1 when pos was the last one.
   */
  remove(t: number, key: number, pos: number): number {
    const d = this.dirs[t]!;
    const e = d.find(key);
    if (e < 0) throw new RangeError(`table ${t} has no bucket ${key}`);
    const en = d.entries;
    const start = en[e + START]!;
    const last = en[e + LEN]! - 1;
    const moved = last === pos ? -1 : this.pool[start + last]!;
    if (moved >= 0) this.pool[start + pos] = moved;
    en[e + LEN] = last;
    if (last === 0) {
      this.release(start, en[e + CLS]!);
      d.delete(e);
    }
    return moved;
  }

  /** Buckets in use and the largest one. */
  stats(): { buckets: number; maxBucket: number } {
    let buckets = 0;
    let maxBucket = 0;
    for (const d of this.dirs) {
      buckets += d.count;
      const en = d.entries;
      for (let e = 0; e < en.length; e += STRIDE)
        if (en[e + KEY] !== 0) maxBucket = Math.max(maxBucket, en[e + LEN]!);
    }
    return { buckets, maxBucket };
  }

  get byteLength(): number {
    let n = this.pool.byteLength;
    for (const d of this.dirs) n += d.entries.byteLength;
    for (const f of this.free) n += f.length * 8;
    return n;
  }

  private allocate(cls: number): number {
    const reused = this.free[cls]?.pop();
    if (reused !== undefined) return reused;
    const off = this.top;
    const end = off + (1 << cls);
    if (end > this.pool.length) {
      const grown = new Int32Array(Math.max(end, this.pool.length * 2));
      grown.set(this.pool.subarray(0, this.top));
      this.pool = grown;
    }
    this.top = end;
    return off;
  }

  private release(off: number, cls: number): void {
    (this.free[cls] ??= []).push(off);
  }
}

export { START as BUCKET_START, LEN as BUCKET_LEN };
