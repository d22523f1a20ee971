/**
 * The WebAssembly SIMD kernels of the exact cubic resize (assembly/resize-cubic.ts, shipped as the
 * generated base64 module next to this file): one instance per thread, created on first use
 * (compiling 3 kB takes well under a millisecond), with a memory that grows to the largest
 * resize seen (tap tables, a window of source rows, sums, one output row; bytes output is whole) and is reused.
 */
import { resizeCubicWasmBase64 } from './resize-cubic-wasm.generated.js';

interface ResizeCubicKernels {
  /** First byte the JS side may use. */
  heapBase(): number;
  /**
   * One output row: vertical taps of 4 source rows into `col`, then horizontal taps into `out`
   * (interleaved bytes) or, with `planes` ≠ 0, as the model's input values (constants at `conv`)
   * into 3 planar float32 rows.
   */
  resizeRow(
    r0: number, r1: number, r2: number, r3: number, b0: number, b1: number, b2: number, b3: number,
    col: number, srcStride: number, xTaps: number, dstWidth: number, simdEnd: number,
    out: number, planes: number, planeBytes: number, conv: number, normalize: number,
  ): void;
}

interface ResizeCubicWasm {
  readonly kernels: ResizeCubicKernels;
  /** Byte view of the whole memory, valid until the next `reserve`. */
  readonly bytes: Uint8Array;
  readonly buffer: ArrayBuffer;
}

const PAGE_BYTES = 65536;

let instance: { kernels: ResizeCubicKernels; memory: WebAssembly.Memory } | undefined;

/** The kernels with at least `byteLength` bytes usable from heapBase() on; views are made afresh. */
export function reserveResizeCubicWasm(byteLength: number): ResizeCubicWasm {
  if (!instance) {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const module = new WebAssembly.Module(Buffer.from(resizeCubicWasmBase64, 'base64'));
    const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as ResizeCubicKernels;
    instance = { kernels, memory };
  }
  const { kernels, memory } = instance;
  const needed = kernels.heapBase() + byteLength;
  if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
  return { kernels, bytes: new Uint8Array(memory.buffer), buffer: memory.buffer };
}
