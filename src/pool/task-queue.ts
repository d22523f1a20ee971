/**
 * The pool's one admission queue: bounded, FIFO, with re-queued tasks going to the front so a
 * crash never sends work to the back of the line. Removal by identity for aborts and deadlines.
 */

export class TaskQueue<T> {
  #items: T[] = [];
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get full(): boolean {
    return this.#items.length >= this.#capacity;
  }

  /** False when full: the caller rejects with QueueFullError. */
  push(item: T): boolean {
    if (this.full) return false;
    this.#items.push(item);
    return true;
  }

  /** Re-queued work bypasses the bound: it was already accepted. */
  unshift(item: T): void {
    this.#items.unshift(item);
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  take(count: number): T[] {
    return this.#items.splice(0, count);
  }

  remove(item: T): boolean {
    const i = this.#items.indexOf(item);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    return true;
  }

  drain(): T[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }
}
