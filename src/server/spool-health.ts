/**
 * Whether the PDF spool (TMPDIR) can take a file, probed on a timer — a one-byte write, read
 * off the request path — so /readyz can say "not ready" while the disk is full or unwritable and
 * "ready" again, by itself, once space returns.
 */
import { spoolUnwritable } from '../document/index.js';

/** How often the spool is probed, ms: a load balancer notices within one probe period. */
const PROBE_EVERY_MS = 5_000;

export class SpoolHealth {
  #unwritable: string | undefined;
  #probing: Promise<string | undefined> | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(everyMs = PROBE_EVERY_MS) {
    void this.probe();
    this.#timer = setInterval(() => void this.probe(), everyMs);
    this.#timer.unref();
  }

  /** The error code of the last probe that failed, or undefined while the spool takes files. */
  get unwritable(): string | undefined {
    return this.#unwritable;
  }

  /** Probes now (one probe at a time); resolves with the new verdict. */
  probe(): Promise<string | undefined> {
    this.#probing ??= spoolUnwritable().then((reason) => {
      this.#unwritable = reason;
      this.#probing = undefined;
      return reason;
    });
    return this.#probing;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
