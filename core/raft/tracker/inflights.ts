// Flow control for one follower: a window of in-flight MsgApp, bounded by count and by bytes.

export class Inflights {
  private readonly size: number;
  private readonly maxBytes: number;
  private indexes: number[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(size: number, maxBytes: number) {
    this.size = size;
    this.maxBytes = maxBytes;
  }

  get count(): number {
    return this.indexes.length - this.head;
  }

  get inflightBytes(): number {
    return this.bytes;
  }

  /** Records a MsgApp whose last entry is `index` carrying `bytes` of entries. */
  add(index: number, bytes: number): void {
    if (this.full()) throw new Error('cannot add into a full inflights');
    this.indexes.push(index);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** Frees every in-flight message whose last index is <= to (acknowledged). */
  freeLE(to: number): void {
    while (this.head < this.indexes.length && (this.indexes[this.head] as number) <= to) {
      this.bytes -= this.sizes[this.head] as number;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.indexes.length) {
      this.indexes = this.indexes.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  /** Frees the oldest slot: lets a window whose messages were all lost send again. */
  freeFirstOne(): void {
    const first = this.indexes[this.head];
    if (first !== undefined) this.freeLE(first);
  }

  full(): boolean {
    return this.count >= this.size || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  reset(): void {
    this.indexes = [];
    this.sizes = [];
    this.head = 0;
    this.bytes = 0;
  }
}
