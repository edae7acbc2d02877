/**
 * A counting semaphore: at most `size` generations hold a context sequence at once. The size may
 * change while jobs run (free VRAM shrank or came back): a smaller size lets running jobs finish
 * and holds new ones until enough have; a larger one admits waiters at once.
 */
import { abortError } from './abort.ts';

export type Release = () => void;

export class Slots {
  #size: number;
  #busy = 0;
  readonly #waiters: Array<(release: Release) => void> = [];

  constructor(size: number) {
    this.#size = Slots.#checked(size);
  }

  get size(): number {
    return this.#size;
  }

  /** Requests waiting for a slot, for load reports. */
  get queued(): number {
    return this.#waiters.length;
  }

  /** Slots held now; above `size` for a while after it shrank. */
  get busy(): number {
    return this.#busy;
  }

  /** Changes how many may run at once; waiters get the room a larger size makes. */
  resize(size: number): void {
    this.#size = Slots.#checked(size);
    this.#grant();
  }

  /** Resolves with a release function once a slot is free; rejects with AbortError on abort. */
  acquire(signal: AbortSignal): Promise<Release> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    if (this.#busy < this.#size && this.#waiters.length === 0) {
      this.#busy++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(grant);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(abortError(signal));
      };
      const grant = (release: Release): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(release);
      };
      this.#waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return; // idempotent: a double release must not mint a slot
      released = true;
      this.#busy--;
      this.#grant();
    };
  }

  /** Hands free slots to waiters, oldest first. */
  #grant(): void {
    while (this.#busy < this.#size) {
      const next = this.#waiters.shift();
      if (!next) return;
      this.#busy++;
      next(this.#releaser());
    }
  }

  static #checked(size: number): number {
    if (!Number.isSafeInteger(size) || size < 1)
      throw new Error(`slots: size must be a positive integer, got ${size}`);
    return size;
  }
}
