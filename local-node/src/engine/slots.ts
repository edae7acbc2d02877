/** A counting semaphore: at most `size` generations hold a context sequence at once. */
import { abortError } from './abort.ts';

export type Release = () => void;

export class Slots {
  readonly size: number;
  #free: number;
  readonly #waiters: Array<(release: Release) => void> = [];

  constructor(size: number) {
    this.size = size;
    this.#free = size;
  }

  /** Requests waiting for a slot, for load reports. */
  get queued(): number {
    return this.#waiters.length;
  }

  get busy(): number {
    return this.size - this.#free;
  }

  /** Resolves with a release function once a slot is free; rejects with AbortError on abort. */
  acquire(signal: AbortSignal): Promise<Release> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    if (this.#free > 0) {
      this.#free--;
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
      const next = this.#waiters.shift();
      if (next) next(this.#releaser());
      else this.#free++;
    };
  }
}
