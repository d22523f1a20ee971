/**
 * One naming scheme everywhere: the browser's copy (web/js/names.js) gives the same names as
 * export/names.ts for hostile and ordinary inputs, and the names keep their promises (no doubled
 * extension, PDF pages numbered the same way for every kind, crops by reading order).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { EXTENSIONS, cocoImagePath, fileStem, outputName, pageStem, readingNumbers, safeFileName, type OutputKind } from '../../src/export/index.js';
import { repoRoot } from '../fixtures/paths.js';

type BrowserNames = {
  fileStem(name: string): string;
  safeFileName(name: string): string;
  pageStem(name: string, isPdf: boolean, page: number): string;
  outputName(name: string, isPdf: boolean, kind: string, page?: number): string;
  EXTENSIONS: Record<string, string>;
};

const NAMES = ['scan.pdf', 'layout.png', 'scan.v2.tif', 'noext', '.hidden.jpg', 'dir/sub/a.pdf', 'C:\\scans\\b.PDF', 'we"ird<>|name?.jpg', '  spaced  .png', '../../etc/passwd', 'ünïcødé.pdf', ''];

describe('the naming scheme', () => {
  it('web/js/names.js and export/names.ts agree on every name', async () => {
    const browser = (await import(pathToFileURL(path.join(repoRoot, 'web/js/names.js')).href)) as BrowserNames;
    assert.deepEqual(browser.EXTENSIONS, { ...EXTENSIONS });
    for (const name of NAMES) {
      assert.equal(browser.safeFileName(name), safeFileName(name), name);
      assert.equal(browser.fileStem(name), fileStem(name), name);
      for (const page of [1, 2, 12345]) assert.equal(browser.pageStem(name, true, page), pageStem(name, true, page), name);
      for (const kind of Object.keys(EXTENSIONS) as OutputKind[]) {
        assert.equal(browser.outputName(name, true, kind, 2), outputName(name, true, kind, 2), `${name} ${kind}`);
        assert.equal(browser.outputName(name, false, kind), outputName(name, false, kind), `${name} ${kind}`);
      }
    }
  });

  it('never doubles an extension, and numbers a PDF page the same way for every kind', () => {
    assert.equal(outputName('layout.png', false, 'overlay'), 'layout.overlay.png');
    assert.equal(outputName('multi4.pdf', true, 'json'), 'multi4.json');
    const kinds = Object.keys(EXTENSIONS) as OutputKind[];
    for (const kind of kinds) assert.ok(outputName('multi4.pdf', true, kind, 2).startsWith('multi4-p0002.'), kind);
    assert.equal(cocoImagePath('a/b/multi4.pdf', true, 2), 'images/a/b/multi4-p0002.jpg');
    assert.equal(cocoImagePath('../x/page.png', false, 1), 'images/x/page.png');
  });

  it('numbers regions by reading order, the unordered ones after, top to bottom', () => {
    const regions = [
      { order: null, bbox: [0, 500, 10, 510] },
      { order: 2, bbox: [0, 300, 10, 310] },
      { order: null, bbox: [0, 10, 10, 20] },
      { order: 1, bbox: [0, 100, 10, 110] },
    ];
    assert.deepEqual(readingNumbers(regions), [4, 2, 3, 1]);
  });
});
