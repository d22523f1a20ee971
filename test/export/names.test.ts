/**
 * One naming scheme everywhere (the web UI imports the same module, served compiled as
 * /ui/js/names.js: test/server/web-vendor.test.ts): the names keep their promises — hostile
 * inputs made safe, no doubled extension, PDF pages numbered the same way for every kind, crops
 * by reading order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXTENSIONS, cocoImagePath, fileStem, outputName, pageStem, readingNumbers, safeFileName, type OutputKind } from '../../src/export/index.js';

const NAMES = ['scan.pdf', 'layout.png', 'scan.v2.tif', 'noext', '.hidden.jpg', 'dir/sub/a.pdf', 'C:\\scans\\b.PDF', 'we"ird<>|name?.jpg', '  spaced  .png', '../../etc/passwd', 'ünïcødé.pdf', ''];

describe('the naming scheme', () => {
  it('makes every name safe: no path, no control characters or quotes, never empty or hidden', () => {
    for (const name of NAMES) {
      const safe = safeFileName(name);
      assert.ok(safe.length > 0 && !safe.startsWith('.') && !/[\\/\u0000-\u001f"<>|?*:]/.test(safe), `${name} → ${safe}`);
      assert.ok(fileStem(name).length > 0, name);
      assert.match(pageStem(name, true, 2), /-p0002$/, name);
    }
    assert.equal(fileStem('dir/sub/a.pdf'), 'a');
    assert.equal(safeFileName('we"ird<>|name?.jpg'), 'we_ird___name_.jpg');
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
