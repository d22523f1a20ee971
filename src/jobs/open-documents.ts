/**
 * A worker's opened PDFs, so the page jobs of one document on one worker fetch its bytes, spool
 * it and parse its page tree once (the split step's open included), instead of once per page.
 * Each page then goes out by reference to the same spool file, which the device's PDF thread also
 * keeps parsed. Jobs of the same document that arrive together share one open.
 *
 * Bounded in documents and in spool bytes on disk: the least recently used idle entry goes first;
 * an entry in use is never evicted (how many are in use is bounded by the page jobs held). An
 * entry is closed — its spool file deleted — when evicted, after IDLE_MS unused, when its
 * documents finish or are canceled, and on close(); one still in use closes when its last page
 * lets it go. An image is one page, so nothing is kept for it once its users are done.
 */
import { EventEmitter } from 'node:events';
import type { DocumentPages } from '../document/index.js';

/** Opened documents kept per worker. */
export const OPEN_DOCUMENTS_MAX = 16;
/** Spool bytes on disk kept per worker. */
export const OPEN_DOCUMENTS_MAX_BYTES = 1024 * 1024 * 1024;
/** An entry unused this long is closed, ms: its document's pages have all gone elsewhere or finished. */
export const OPEN_DOCUMENTS_IDLE_MS = 60_000;

export interface OpenDocumentsOptions {
  readonly maxDocuments?: number;
  readonly maxBytes?: number;
  readonly idleMs?: number;
}

export interface OpenDocumentsEvents {
  /** An entry was closed (its spool file removed), and why. */
  close: { key: string; reason: 'evicted' | 'idle' | 'finished' | 'broken' | 'closed' | 'single-page' };
}

interface Entry {
  readonly key: string;
  /** Bytes on disk once open (the document's size). */
  readonly size: number;
  readonly docIds: Set<string>;
  readonly opening: Promise<DocumentPages>;
  users: number;
  lastUsed: number;
  /** Removed from the map: closes as soon as nobody uses it. */
  dropped?: OpenDocumentsEvents['close']['reason'];
  idle?: NodeJS.Timeout;
  closed?: Promise<void>;
}

export class OpenDocuments extends EventEmitter {
  readonly #entries = new Map<string, Entry>();
  readonly #closing = new Set<Promise<void>>();
  readonly #maxDocuments: number;
  readonly #maxBytes: number;
  readonly #idleMs: number;
  #closed = false;

  constructor(options: OpenDocumentsOptions = {}) {
    super();
    this.#maxDocuments = options.maxDocuments ?? OPEN_DOCUMENTS_MAX;
    this.#maxBytes = options.maxBytes ?? OPEN_DOCUMENTS_MAX_BYTES;
    this.#idleMs = options.idleMs ?? OPEN_DOCUMENTS_IDLE_MS;
  }

  /** Entries held (open or opening), in use or not. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The document under `key`, opened by `open` unless an intact open one is at hand. The caller
   * owns the returned view until it calls its close() (once; later calls do nothing), which lets
   * the entry go without closing it. A failed open is not kept: its error goes to every waiter.
   */
  async acquire(key: string, docId: string, size: number, open: () => Promise<DocumentPages>): Promise<DocumentPages> {
    if (this.#closed) throw new Error('the open documents are closed');
    const existing = this.#entries.get(key);
    if (existing) {
      const document = await this.#use(existing, docId);
      if (await document.intact()) return this.#lease(existing, document);
      // Its spool file is gone (a temp cleaner, a full disk): open it afresh.
      this.#drop(existing, 'broken');
      this.#release(existing);
    }
    const entry: Entry = { key, size, docIds: new Set(), opening: open(), users: 0, lastUsed: Date.now() };
    this.#entries.set(key, entry);
    entry.opening.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    const document = await this.#use(entry, docId);
    if (document.mediaType !== 'pdf') entry.dropped ??= 'single-page';
    this.#evict();
    return this.#lease(entry, document);
  }

  /** The documents finished (or were canceled): entries only they used are closed. */
  finish(docId: string): void {
    for (const entry of [...this.#entries.values()]) {
      if (entry.docIds.delete(docId) && entry.docIds.size === 0) this.#drop(entry, 'finished');
    }
  }

  /** Closes every entry (those in use when their users let go) and waits for their spool files to go. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of [...this.#entries.values()]) this.#drop(entry, 'closed');
    while (this.#closing.size > 0) await Promise.allSettled([...this.#closing]);
  }

  /** Takes a use of the entry while it opens; a failed open gives the use back and throws. */
  async #use(entry: Entry, docId: string): Promise<DocumentPages> {
    entry.users += 1;
    entry.docIds.add(docId);
    clearTimeout(entry.idle);
    try {
      return await entry.opening;
    } catch (err) {
      entry.users -= 1;
      throw err;
    }
  }

  #lease(entry: Entry, document: DocumentPages): DocumentPages {
    let released = false;
    return {
      ...document,
      close: () => {
        if (!released) {
          released = true;
          this.#release(entry);
        }
        return Promise.resolve();
      },
    };
  }

  #release(entry: Entry): void {
    entry.users -= 1;
    entry.lastUsed = Date.now();
    if (entry.users > 0) return;
    if (entry.dropped) {
      this.#shut(entry, entry.dropped);
      return;
    }
    entry.idle = setTimeout(() => this.#drop(entry, 'idle'), this.#idleMs);
    entry.idle.unref();
    this.#evict();
  }

  /** Takes the entry out of the map; it closes now if unused, else when its last user lets go. */
  #drop(entry: Entry, reason: NonNullable<Entry['dropped']>): void {
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    entry.dropped ??= reason;
    if (entry.users === 0) this.#shut(entry, entry.dropped);
  }

  #shut(entry: Entry, reason: NonNullable<Entry['dropped']>): void {
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    clearTimeout(entry.idle);
    if (entry.closed) return;
    const closed = entry.opening.then((document) => document.close(), () => undefined).then(() => {
      this.#closing.delete(closed);
      this.emit('close', { key: entry.key, reason });
    });
    entry.closed = closed;
    this.#closing.add(closed);
  }

  /** Least recently used idle entries go until the count and the bytes on disk are within bounds. */
  #evict(): void {
    const held = (): { count: number; bytes: number } => {
      let bytes = 0;
      for (const e of this.#entries.values()) bytes += e.size;
      return { count: this.#entries.size, bytes };
    };
    let now = held();
    while (now.count > this.#maxDocuments || now.bytes > this.#maxBytes) {
      const idle = [...this.#entries.values()].filter((e) => e.users === 0).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!idle) return;
      this.#drop(idle, 'evicted');
      now = held();
    }
  }
}
