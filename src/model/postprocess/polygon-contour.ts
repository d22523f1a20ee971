/**
 * The OpenCV calls PaddleX makes on a region's mask, re-implemented on typed arrays:
 * `cv2.resize(INTER_NEAREST)` + `cv2.findContours(RETR_EXTERNAL, CHAIN_APPROX_SIMPLE)` +
 * `max(contours, key=cv2.contourArea)` + `cv2.arcLength` (approxPolyDP is in polygon-simplify.ts).
 *
 * The resized mask is never materialised: a box of 1800×1000 pixels is a nearest-neighbour blow-up
 * of a crop of ~180×100 mask cells, so pixels are read through two lookup tables, connected
 * components are found on the distinct rows/columns only (repeating rows or columns does not
 * change 8-connectivity) and only border pixels are visited by the tracer.
 */

/** Chain-code directions as OpenCV numbers them: 0 = +x, 2 = up (-y), 4 = -x, 6 = down. */
const DX = [1, 1, 0, -1, -1, -1, 0, 1];
const DY = [0, -1, -1, -1, 0, 1, 1, 1];

/** Grows on demand and is reused across calls: postprocessing runs per page on the hot path. */
class Scratch {
  colOfX = new Int32Array(256);
  rowOfY = new Int32Array(256);
  colFirstX = new Int32Array(256);
  rowFirstY = new Int32Array(256);
  cells = new Uint8Array(1024);
  labels = new Int32Array(1024);
  stack = new Int32Array(1024);

  ensure(width: number, height: number, cells: number): void {
    if (this.colOfX.length < width) { this.colOfX = new Int32Array(width * 2); this.colFirstX = new Int32Array(width * 2); }
    if (this.rowOfY.length < height) { this.rowOfY = new Int32Array(height * 2); this.rowFirstY = new Int32Array(height * 2); }
    if (this.cells.length < cells) {
      this.cells = new Uint8Array(cells * 2);
      this.labels = new Int32Array(cells * 2);
      this.stack = new Int32Array(cells * 2);
    }
  }
}

const scratch = new Scratch();

/**
 * A crop of a mask resized with nearest neighbour to `width`×`height`, as OpenCV's resizeNN maps
 * pixels: source = min(floor(x · (1 / (dst / src))), src − 1).
 */
export class ResampledMask {
  readonly width: number;
  readonly height: number;
  /** Distinct source columns / rows actually used. */
  readonly cols: number;
  readonly rows: number;
  readonly #cells: Uint8Array;
  readonly #colOfX: Int32Array;
  readonly #rowOfY: Int32Array;
  readonly #colFirstX: Int32Array;
  readonly #rowFirstY: Int32Array;

  /** Crop [x0, x1) × [y0, y1) of a row-major mask whose row stride is `stride`; nonzero is foreground. */
  constructor(mask: Int32Array | Uint8Array, stride: number, x0: number, y0: number, x1: number, y1: number, width: number, height: number) {
    const cropW = x1 - x0;
    const cropH = y1 - y0;
    this.width = width;
    this.height = height;
    scratch.ensure(width, height, 0);
    const { colOfX, rowOfY, colFirstX, rowFirstY } = scratch;
    const colSrc: number[] = [];
    const rowSrc: number[] = [];
    const ifx = 1 / (width / cropW);
    const ify = 1 / (height / cropH);
    let prev = -1;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.floor(x * ifx), cropW - 1);
      if (sx !== prev) { colFirstX[colSrc.length] = x; colSrc.push(sx); prev = sx; }
      colOfX[x] = colSrc.length - 1;
    }
    prev = -1;
    for (let y = 0; y < height; y++) {
      const sy = Math.min(Math.floor(y * ify), cropH - 1);
      if (sy !== prev) { rowFirstY[rowSrc.length] = y; rowSrc.push(sy); prev = sy; }
      rowOfY[y] = rowSrc.length - 1;
    }
    this.cols = colSrc.length;
    this.rows = rowSrc.length;
    scratch.ensure(width, height, this.cols * this.rows);
    const cells = scratch.cells;
    for (let r = 0; r < this.rows; r++) {
      const base = (y0 + rowSrc[r]!) * stride + x0;
      for (let c = 0; c < this.cols; c++) cells[r * this.cols + c] = mask[base + colSrc[c]!] !== 0 ? 1 : 0;
    }
    this.#cells = cells;
    this.#colOfX = colOfX;
    this.#rowOfY = rowOfY;
    this.#colFirstX = colFirstX;
    this.#rowFirstY = rowFirstY;
  }

  /** Pixel of the resized mask; outside it is background, as OpenCV's zero frame. */
  at(x: number, y: number): number {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return 0;
    return this.#cells[this.#rowOfY[y]! * this.cols + this.#colOfX[x]!]!;
  }

  /**
   * The top-left pixel of every 8-connected component, in raster order: where OpenCV's scan meets
   * each component first and starts following its outer border.
   */
  componentStarts(): Array<[number, number]> {
    const { cols, rows } = this;
    const cells = this.#cells;
    const labels = scratch.labels;
    const stack = scratch.stack;
    labels.fill(0, 0, cols * rows);
    const starts: Array<[number, number]> = [];
    for (let i = 0; i < cols * rows; i++) {
      if (cells[i] === 0 || labels[i] !== 0) continue;
      starts.push([this.#colFirstX[i % cols]!, this.#rowFirstY[Math.floor(i / cols)]!]);
      labels[i] = 1;
      let top = 0;
      stack[top++] = i;
      while (top > 0) {
        const k = stack[--top]!;
        const r = Math.floor(k / cols);
        const c = k - r * cols;
        for (let dr = -1; dr <= 1; dr++) {
          const rr = r + dr;
          if (rr < 0 || rr >= rows) continue;
          for (let dc = -1; dc <= 1; dc++) {
            const cc = c + dc;
            if (cc < 0 || cc >= cols) continue;
            const n = rr * cols + cc;
            if (cells[n] !== 0 && labels[n] === 0) { labels[n] = 1; stack[top++] = n; }
          }
        }
      }
    }
    return starts;
  }
}

/**
 * Suzuki–Abe outer-border following from a component's top-left pixel, exactly as OpenCV's
 * icvFetchContour with CHAIN_APPROX_SIMPLE: the walk turns counter-clockwise from the previous
 * direction, and a point is written only where the chain direction changes. Returns flat [x, y, …].
 */
export function traceOuterBorder(img: ResampledMask, x0: number, y0: number): number[] {
  const pts: number[] = [];
  let s = 4;
  let x1 = 0, y1 = 0;
  do {
    s = (s - 1) & 7;
    x1 = x0 + DX[s]!;
    y1 = y0 + DY[s]!;
  } while (img.at(x1, y1) === 0 && s !== 4);
  if (s === 4) {
    pts.push(x0, y0); // an isolated pixel
    return pts;
  }
  let x3 = x0, y3 = y0;
  let prevS = s ^ 4;
  // Every border pixel is left at most 4 times; the cap only guards against a bug looping forever.
  const maxSteps = 4 * img.width * img.height + 16;
  for (let step = 0; step < maxSteps; step++) {
    let x4 = x3, y4 = y3;
    while (s < 15) {
      s++;
      x4 = x3 + DX[s & 7]!;
      y4 = y3 + DY[s & 7]!;
      if (img.at(x4, y4) !== 0) break;
    }
    s &= 7;
    if (s !== prevS) {
      pts.push(x3, y3);
      prevS = s;
    }
    if (x4 === x0 && y4 === y0 && x3 === x1 && y3 === y1) break;
    x3 = x4;
    y3 = y4;
    s = (s + 4) & 7;
  }
  return pts;
}

/** cv2.contourArea (unsigned) of a flat closed contour. */
function contourArea(pts: readonly number[]): number {
  const n = pts.length / 2;
  if (n < 3) return 0;
  let twice = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) twice += pts[j * 2]! * pts[i * 2 + 1]! - pts[i * 2]! * pts[j * 2 + 1]!;
  return Math.abs(twice) / 2;
}

/** cv2.arcLength(contour, closed=True). */
export function closedArcLength(pts: readonly number[]): number {
  const n = pts.length / 2;
  let len = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) len += Math.hypot(pts[i * 2]! - pts[j * 2]!, pts[i * 2 + 1]! - pts[j * 2 + 1]!);
  return n > 1 ? len : 0;
}

/**
 * The external contour with the largest area. Python's max() keeps the first maximum of OpenCV's
 * list, and OpenCV lists contours last-found first, so among equal areas the one found last in
 * raster order wins. Components inside another's hole (not external in OpenCV) are traced too,
 * but their area is always smaller than their container's, so they never win.
 */
export function largestOuterContour(img: ResampledMask): number[] | undefined {
  let best: number[] | undefined;
  let bestArea = -1;
  for (const [x, y] of img.componentStarts()) {
    const contour = traceOuterBorder(img, x, y);
    const area = contourArea(contour);
    if (area >= bestArea) {
      bestArea = area;
      best = contour;
    }
  }
  return best;
}
