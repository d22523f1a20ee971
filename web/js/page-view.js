// The page view: the page image on its own layer (decoded once, moved and scaled by a CSS
// transform) and the regions on a canvas the size of the view, redrawn once per frame at most.
// Zoom with the wheel, a pinch (ctrl+wheel, Safari gestures, two fingers) or the buttons; pan by
// dragging; fit the page or its width. Hover and click report the region under the pointer.

import { drawRegions, regionAt } from './overlay-canvas.js';

const MIN_SCALE = 0.05;
const MAX_SCALE = 8;
const MARGIN_PX = 16;
/** A press that moves less than this is a click, not a pan. */
const CLICK_SLOP_PX = 4;

export class PageView {
  #el;
  #img;
  #canvas;
  #handlers;
  #page = null; // { width, height }
  #view = { scale: 1, x: 0, y: 0 };
  #fit = 'page';
  #regions = [];
  #options = {};
  #highlight = null;
  #selected = null;
  #frame = 0;
  #pointers = new Map();
  #press = null;

  /** handlers: { onHover(region|null), onClick(region|null), onZoom(scale) } */
  constructor(el, img, canvas, handlers) {
    this.#el = el;
    this.#img = img;
    this.#canvas = canvas;
    this.#handlers = handlers;
    this.#listen();
    new ResizeObserver(() => {
      if (this.#page && this.#fit) this.fit(this.#fit);
      else this.#redraw();
    }).observe(el);
  }

  get scale() {
    return this.#view.scale;
  }

  /** Shows a page image (a URL the browser can decode) of `width` × `height` page pixels. */
  async setImage(url, width, height, keepView = false) {
    if (this.#img.getAttribute('src') !== url) {
      this.#img.src = url;
      await this.#img.decode().catch(() => undefined);
    }
    const resized = !this.#page || this.#page.width !== width || this.#page.height !== height;
    this.#page = { width, height };
    this.#img.style.width = `${width}px`;
    this.#img.style.height = `${height}px`;
    this.#img.hidden = false;
    this.#canvas.hidden = false;
    this.#el.classList.add('has-page');
    if (!keepView || resized) this.fit(this.#fit ?? 'page');
    else this.#apply();
  }

  clear() {
    this.#page = null;
    this.#img.hidden = true;
    this.#img.removeAttribute('src');
    this.#canvas.hidden = true;
    this.#el.classList.remove('has-page');
    this.#regions = [];
  }

  setRegions(regions, options) {
    this.#regions = regions;
    this.#options = options;
    this.#redraw();
  }

  setHighlight(hover, selected) {
    this.#highlight = hover;
    this.#selected = selected;
    this.#redraw();
  }

  /** 'page' (whole page visible) or 'width' (page width fills the view, top first). */
  fit(mode) {
    if (!this.#page) return;
    this.#fit = mode;
    const { clientWidth: w, clientHeight: h } = this.#el;
    const byWidth = (w - 2 * MARGIN_PX) / this.#page.width;
    const scale = mode === 'width' ? byWidth : Math.min(byWidth, (h - 2 * MARGIN_PX) / this.#page.height);
    this.#view.scale = clamp(scale, MIN_SCALE, MAX_SCALE);
    this.#view.x = (w - this.#page.width * this.#view.scale) / 2;
    this.#view.y = mode === 'width' ? MARGIN_PX : (h - this.#page.height * this.#view.scale) / 2;
    this.#apply();
  }

  /** Zooms by `factor` keeping the view point (cx, cy) — the view's centre by default — in place. */
  zoomBy(factor, cx = this.#el.clientWidth / 2, cy = this.#el.clientHeight / 2) {
    if (!this.#page) return;
    const scale = clamp(this.#view.scale * factor, MIN_SCALE, MAX_SCALE);
    const k = scale / this.#view.scale;
    this.#view.x = cx - (cx - this.#view.x) * k;
    this.#view.y = cy - (cy - this.#view.y) * k;
    this.#view.scale = scale;
    this.#fit = null;
    this.#apply();
  }

  panBy(dx, dy) {
    this.#view.x += dx;
    this.#view.y += dy;
    this.#fit = null;
    this.#apply();
  }

  /** Pans the least needed to bring a region fully (or as much as fits) into view. */
  reveal(region) {
    if (!this.#page || !region) return;
    const [x1, y1, x2, y2] = region.bbox.map((v) => v * this.#view.scale);
    const { clientWidth: w, clientHeight: h } = this.#el;
    const shift = (lo, hi, offset, size) => {
      if (offset + lo < MARGIN_PX || hi - lo > size - 2 * MARGIN_PX) return MARGIN_PX - (offset + lo);
      if (offset + hi > size - MARGIN_PX) return size - MARGIN_PX - (offset + hi);
      return 0;
    };
    const dx = shift(x1, x2, this.#view.x, w);
    const dy = shift(y1, y2, this.#view.y, h);
    if (dx !== 0 || dy !== 0) this.panBy(dx, dy);
  }

  #apply() {
    const { scale, x, y } = this.#view;
    this.#img.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    this.#handlers.onZoom?.(scale);
    this.#redraw();
  }

  #redraw() {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#draw();
    });
  }

  #draw() {
    if (!this.#page) return;
    const dpr = window.devicePixelRatio || 1;
    const w = this.#el.clientWidth;
    const h = this.#el.clientHeight;
    if (this.#canvas.width !== Math.round(w * dpr) || this.#canvas.height !== Math.round(h * dpr)) {
      this.#canvas.width = Math.round(w * dpr);
      this.#canvas.height = Math.round(h * dpr);
    }
    const ctx = this.#canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    drawRegions(ctx, this.#regions, this.#view, this.#page.width, this.#page.height, {
      ...this.#options,
      highlight: this.#highlight,
      selected: this.#selected,
      lineWidth: 2,
      fontPx: 11,
    });
  }

  #pagePoint(event) {
    const rect = this.#el.getBoundingClientRect();
    return [(event.clientX - rect.left - this.#view.x) / this.#view.scale, (event.clientY - rect.top - this.#view.y) / this.#view.scale];
  }

  #viewPoint(event) {
    const rect = this.#el.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  }

  #listen() {
    const el = this.#el;
    el.addEventListener('wheel', (e) => {
      if (!this.#page) return;
      e.preventDefault();
      // A pinch on a trackpad arrives as ctrl+wheel with small deltas: zoom faster per unit.
      const perUnit = e.ctrlKey ? 0.01 : 0.0015;
      const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
      this.zoomBy(Math.exp(-delta * perUnit), ...this.#viewPoint(e));
    }, { passive: false });
    let gestureScale = 1;
    el.addEventListener('gesturestart', (e) => {
      e.preventDefault();
      gestureScale = 1;
    });
    el.addEventListener('gesturechange', (e) => {
      e.preventDefault();
      this.zoomBy(e.scale / gestureScale, ...this.#viewPoint(e));
      gestureScale = e.scale;
    });
    el.addEventListener('pointerdown', (e) => {
      if (!this.#page || e.button !== 0) return;
      el.setPointerCapture(e.pointerId);
      this.#pointers.set(e.pointerId, this.#viewPoint(e));
      this.#press = this.#pointers.size === 1 ? { x: e.clientX, y: e.clientY, moved: false } : null;
    });
    el.addEventListener('pointermove', (e) => {
      if (!this.#page) return;
      const last = this.#pointers.get(e.pointerId);
      if (!last) {
        this.#handlers.onHover(regionAt(this.#regions, ...this.#pagePoint(e)));
        return;
      }
      const now = this.#viewPoint(e);
      if (this.#pointers.size === 2) {
        const [other] = [...this.#pointers].filter(([id]) => id !== e.pointerId).map(([, p]) => p);
        const before = Math.hypot(last[0] - other[0], last[1] - other[1]);
        const after = Math.hypot(now[0] - other[0], now[1] - other[1]);
        if (before > 0) this.zoomBy(after / before, (now[0] + other[0]) / 2, (now[1] + other[1]) / 2);
      } else if (this.#press) {
        if (Math.hypot(e.clientX - this.#press.x, e.clientY - this.#press.y) > CLICK_SLOP_PX) this.#press.moved = true;
        if (this.#press.moved) {
          el.classList.add('panning');
          this.panBy(now[0] - last[0], now[1] - last[1]);
        }
      }
      this.#pointers.set(e.pointerId, now);
    });
    const release = (e) => {
      if (!this.#pointers.delete(e.pointerId)) return;
      el.classList.remove('panning');
      if (e.type === 'pointerup' && this.#press && !this.#press.moved) this.#handlers.onClick(regionAt(this.#regions, ...this.#pagePoint(e)));
      this.#press = null;
    };
    el.addEventListener('pointerup', release);
    el.addEventListener('pointercancel', release);
    el.addEventListener('pointerleave', () => {
      if (this.#pointers.size === 0) this.#handlers.onHover(null);
    });
  }
}

function clamp(value, lo, hi) {
  return Math.min(hi, Math.max(lo, value));
}
