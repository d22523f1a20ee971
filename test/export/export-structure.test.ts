/**
 * What the PAGE and ALTO writers put in their files, read back with an XML parser: region kinds,
 * outlines, reading order, IDs and references, hostile strings kept exactly (less what XML 1.0
 * cannot carry), and PDF pages named after their page images.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { unzipSync } from 'fflate';
import { exportDocument, pageRegionKind, safeFileName, toAltoXml, toPageXml, xmlSafe, type ExportDocument } from '../../src/export/index.js';
import { HOSTILE_LABEL, HOSTILE_NAME, page, region, richPage } from './sample-results.js';

type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, isArray: () => false });
const parse = (xml: string): Node => parser.parse(xml) as Node;
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const REGION_ELEMENTS = ['TextRegion', 'TableRegion', 'ImageRegion', 'ChartRegion', 'GraphicRegion', 'MathsRegion', 'UnknownRegion'];
const POINTS = /^([0-9]+,[0-9]+ )+([0-9]+,[0-9]+)$/;

function pageRegions(pageNode: Node): Array<{ element: string; node: Node }> {
  return REGION_ELEMENTS.flatMap((element) => asArray(pageNode[element] as Node | Node[]).map((node) => ({ element, node })));
}

const doc = (name: string, pages = [richPage()]): ExportDocument => ({ name, isPdf: false, pages });

describe('PAGE-XML writer', () => {
  test('maps every label to its PAGE region kind, with its outline, score and label', () => {
    const result = richPage();
    const pcGts = parse(toPageXml(result, doc('page.jpg'))).PcGts as Node;
    const pageNode = pcGts.Page as Node;
    assert.equal(pageNode.imageFilename, 'page.jpg');
    assert.equal(pageNode.imageWidth, '1240');
    const regions = pageRegions(pageNode);
    assert.equal(regions.length, result.regions.length);
    for (const { element, node } of regions) {
      const index = Number((node.id as string).slice(1)) - 1;
      const source = result.regions[index]!;
      assert.equal(element, pageRegionKind(source.label).element);
      assert.equal(node.custom, `structure {type:${xmlSafe(source.label)};}`);
      const coords = node.Coords as Node;
      assert.match(coords.points as string, POINTS);
      const points = (coords.points as string).split(' ').map((p) => p.split(',').map(Number));
      const expected = source.polygon ?? [[source.bbox[0], source.bbox[1]], [source.bbox[2], source.bbox[1]], [source.bbox[2], source.bbox[3]], [source.bbox[0], source.bbox[3]]];
      assert.deepEqual(points, expected);
      assert.equal(Number(coords.conf), source.score);
    }
    const text = regions.find((r) => r.node.id === 'r1')!;
    assert.equal(text.node.type, 'heading');
    assert.equal(regions.find((r) => r.element === 'GraphicRegion')!.node.type, 'stamp');
  });

  test('the reading order lists the ordered regions in order, and only them', () => {
    const result = richPage();
    const pageNode = (parse(toPageXml(result, doc('page.jpg'))).PcGts as Node).Page as Node;
    const group = ((pageNode.ReadingOrder as Node).OrderedGroup as Node);
    const refs = asArray(group.RegionRefIndexed as Node | Node[]);
    const expected = result.regions.map((r, i) => ({ r, id: `r${i + 1}` })).filter(({ r }) => r.order !== null).sort((a, b) => a.r.order! - b.r.order!).map(({ id }) => id);
    assert.deepEqual(refs.map((r) => r.regionRef), expected);
    assert.deepEqual(refs.map((r) => Number(r.index)), expected.map((_, i) => i));
  });

  test('hostile label and file name survive escaping; characters XML cannot carry are dropped', () => {
    const result = page([region(HOSTILE_LABEL, 7, [1, 2, 30, 40], 1)], { name: HOSTILE_NAME });
    const xml = toPageXml(result, doc(HOSTILE_NAME, [result]));
    assert.doesNotMatch(xml, /[\u0001\u0002]/);
    const pageNode = (parse(xml).PcGts as Node).Page as Node;
    assert.equal(pageNode.imageFilename, HOSTILE_NAME.replace('\u0002', ''));
    assert.equal((pageNode.UnknownRegion as Node).custom, `structure {type:${HOSTILE_LABEL.replace('\u0001', '')};}`);
  });

  test('zero regions: a page without regions or reading order', () => {
    const pageNode = (parse(toPageXml(page([]), doc('blank.png'))).PcGts as Node).Page as Node;
    assert.equal(pageRegions(pageNode).length, 0);
    assert.equal(pageNode.ReadingOrder, undefined);
  });

  test('outlines are clamped to the page, whatever the result says', () => {
    const result = page([region('text', 22, [-5, -5, 5000, 5000], 1, [[-5, -5], [5000, -5], [5000, 5000]])], { width: 100, height: 50 });
    const coords = ((parse(toPageXml(result, doc('x.png'))).PcGts as Node).Page as Node).TextRegion as Node;
    assert.equal((coords.Coords as Node).points, '0,0 100,0 100,50');
  });

  test('a multi-page PDF gives one PAGE file per page, zipped, each naming its page image', () => {
    const pdf: ExportDocument = { name: 'dir/../a.pdf', isPdf: true, pages: [page([], { page: 1 }), page(richPage().regions, { page: 3 })] };
    const file = exportDocument('page', pdf);
    assert.equal(file.fileName, 'a.page.zip');
    const entries = unzipSync(file.body as Uint8Array);
    assert.deepEqual(Object.keys(entries).sort(), ['a-p0001.page.xml', 'a-p0003.page.xml']);
    const third = (parse(new TextDecoder().decode(entries['a-p0003.page.xml'])).PcGts as Node).Page as Node;
    assert.equal(third.imageFilename, 'a-p0003.jpg');
    assert.equal(pageRegions(third).length, richPage().regions.length);
    const single = exportDocument('page', { ...pdf, pages: [pdf.pages[1]!] });
    assert.equal(single.contentType, 'application/vnd.prima.page+xml');
    // One page of a PDF carries its page number.
    assert.equal(single.fileName, 'a-p0003.page.xml');
  });
});

describe('ALTO writer', () => {
  const pdf: ExportDocument = { name: 'book.pdf', isPdf: true, pages: [page(richPage().regions, { page: 1 }), page([], { page: 2 }), page(richPage().regions, { page: 4 })] };

  test('one file holds every page; block IDs are unique across pages and every reference resolves', () => {
    const xml = toAltoXml(pdf);
    const alto = parse(xml).alto as Node;
    const pages = asArray((alto.Layout as Node).Page as Node | Node[]);
    assert.deepEqual(pages.map((p) => p.PHYSICAL_IMG_NR), ['1', '2', '4']);
    const ids = [...xml.matchAll(/ ID="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length, 'IDs are unique');
    const tagIds = new Set(asArray(((alto.Tags as Node).LayoutTag) as Node | Node[]).map((t) => t.ID as string));
    for (const ref of xml.matchAll(/ TAGREFS="([^"]+)"/g)) assert.ok(tagIds.has(ref[1]!));
    for (const ref of xml.matchAll(/ IDNEXT="([^"]+)"/g)) assert.ok(ids.includes(ref[1]!));
  });

  test('blocks come in result order; IDNEXT follows the reading order; tables and pictures are typed', () => {
    const result = richPage();
    const xml = toAltoXml({ name: 'p.jpg', isPdf: false, pages: [result] });
    const blocks = [...xml.matchAll(/<(TextBlock|Illustration|ComposedBlock) ([^>]*)>/g)].map((m) => ({ element: m[1], attrs: m[2]! }));
    assert.equal(blocks.length, result.regions.length);
    const attr = (attrs: string, name: string): string | undefined => new RegExp(` ?${name}="([^"]*)"`).exec(attrs)?.[1];
    blocks.forEach((b, i) => assert.equal(attr(b.attrs, 'ID'), `p1_r${i + 1}`));
    assert.equal(blocks[2]!.element, 'ComposedBlock');
    assert.equal(attr(blocks[2]!.attrs, 'TYPE'), 'table');
    assert.equal(blocks[3]!.element, 'Illustration');
    // order 1 → 2 → 3 → 4 are regions 1, 2, 6, 10
    assert.equal(attr(blocks[0]!.attrs, 'IDNEXT'), 'p1_r2');
    assert.equal(attr(blocks[1]!.attrs, 'IDNEXT'), 'p1_r6');
    assert.equal(attr(blocks[5]!.attrs, 'IDNEXT'), 'p1_r10');
    assert.equal(attr(blocks[9]!.attrs, 'IDNEXT'), undefined);
    assert.equal(attr(blocks[0]!.attrs, 'HPOS'), '102');
    assert.equal(attr(blocks[0]!.attrs, 'WIDTH'), String(1130 - 102));
  });

  test('a hostile label is a tag LABEL, escaped; its ID stays a valid XML name', () => {
    const xml = toAltoXml({ name: HOSTILE_NAME, isPdf: false, pages: [page([region(HOSTILE_LABEL, 3, [0, 0, 10, 10], null)])] });
    const alto = parse(xml).alto as Node;
    const tag = (alto.Tags as Node).LayoutTag as Node;
    assert.equal(tag.LABEL, HOSTILE_LABEL.replace('\u0001', ''));
    assert.match(tag.ID as string, /^[A-Za-z_][\w.-]*$/);
    assert.equal(((alto.Description as Node).sourceImageInformation as Node).fileName, HOSTILE_NAME.replace('\u0002', ''));
  });
});

test('safeFileName keeps a download name inside its folder and free of header-breaking characters', () => {
  assert.equal(safeFileName('../../etc/passwd'), 'passwd');
  assert.equal(safeFileName('a\\b\\c "d".pdf'), 'c _d_.pdf');
  assert.equal(safeFileName('...'), 'document');
  assert.equal(safeFileName('x\r\ny.jpg'), 'x__y.jpg');
});
