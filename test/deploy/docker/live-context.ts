/** What the suites of stack.live.ts share once its `before` has run: the engine, the model folder, a scratch folder. */
import type { Engine } from './engine.js';

export interface LiveState {
  readonly engine: Engine;
  /** Folder with PP-DocLayoutV3.onnx (the fixture model), mounted read-only at /models. */
  readonly modelDir: string;
  /** Scratch folder removed at the end. */
  readonly tmp: string;
}

export class LiveContext {
  #state: LiveState | undefined;
  set(state: LiveState): void {
    this.#state = state;
  }
  get(): LiveState {
    if (!this.#state) throw new Error('the engine is not up (the suite setup failed above)');
    return this.#state;
  }
}
