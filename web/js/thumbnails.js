// Page thumbnails for a PDF, drawn in the browser by pdf.js (served by doclayout from its own
// pdfjs-dist, same origin) as they scroll into view. Without pdf.js the strip still lists the
// pages by number; a click goes to the page either way.

const PDFJS = '/ui/vendor/pdfjs/build/pdf.min.mjs';
const THUMB_CSS_PX = 84;

let pdfjsLoad;
function loadPdfJs() {
  pdfjsLoad ??= import(PDFJS).then((pdfjs) => {
    pdfjs.GlobalWorkerOptions.workerSrc = '/ui/vendor/pdfjs/build/pdf.worker.min.mjs';
    return pdfjs;
  });
  return pdfjsLoad;
}

export class Thumbnails {
  #container;
  #onPick;
  #buttons = [];
  #observer;
  #pdf = null;
  #generation = 0;

  constructor(container, onPick) {
    this.#container = container;
    this.#onPick = onPick;
  }

  /** One button per page of `file` (a PDF of `pageCount` pages); drawn lazily. */
  show(file, pageCount) {
    const generation = ++this.#generation;
    this.#observer?.disconnect();
    this.#pdf?.destroy?.();
    this.#pdf = null;
    this.#buttons = Array.from({ length: pageCount }, (_, i) => this.#button(i + 1));
    this.#container.replaceChildren(...this.#buttons);
    this.#container.hidden = false;
    const drawing = loadPdfJs()
      .then(async (pdfjs) => pdfjs.getDocument({ data: new Uint8Array(await file.arrayBuffer()), isEvalSupported: false, standardFontDataUrl: '/ui/vendor/pdfjs/standard_fonts/' }).promise)
      .then((pdf) => {
        if (generation !== this.#generation) return void pdf.destroy();
        this.#pdf = pdf;
      })
      .catch(() => undefined); // numbers only
    this.#observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        this.#observer.unobserve(entry.target);
        drawing.then(() => this.#draw(entry.target, generation));
      }
    }, { root: this.#container, rootMargin: '200px' });
    for (const button of this.#buttons) this.#observer.observe(button);
  }

  hide() {
    ++this.#generation;
    this.#observer?.disconnect();
    this.#pdf?.destroy?.();
    this.#pdf = null;
    this.#buttons = [];
    this.#container.replaceChildren();
    this.#container.hidden = true;
  }

  setCurrent(page) {
    this.#buttons.forEach((button, i) => {
      const current = i + 1 === page;
      button.classList.toggle('current', current);
      if (current) {
        button.setAttribute('aria-current', 'page');
        button.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      } else button.removeAttribute('aria-current');
    });
  }

  #button(page) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'thumb';
    button.dataset.page = String(page);
    button.title = `Page ${page}`;
    const blank = document.createElement('i');
    blank.className = 'blank';
    const label = document.createElement('span');
    label.textContent = String(page);
    button.append(blank, label);
    button.addEventListener('click', () => this.#onPick(page));
    return button;
  }

  async #draw(button, generation) {
    if (!this.#pdf || generation !== this.#generation) return;
    try {
      const page = await this.#pdf.getPage(Number(button.dataset.page));
      const base = page.getViewport({ scale: 1 });
      const scale = (THUMB_CSS_PX * (window.devicePixelRatio || 1)) / base.width;
      const viewport = page.getViewport({ scale });
      const canvas = document.createElement('canvas');
      canvas.width = Math.ceil(viewport.width);
      canvas.height = Math.ceil(viewport.height);
      await page.render({ canvas, canvasContext: canvas.getContext('2d'), viewport }).promise;
      if (generation === this.#generation) button.querySelector('.blank')?.replaceWith(canvas);
    } catch {
      // keep the numbered placeholder
    }
  }
}
