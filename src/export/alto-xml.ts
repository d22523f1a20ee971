/**
 * ALTO v4 (Library of Congress): the library standard, validated by eScriptorium on import. One
 * file holds every page of a document. Each region is a block in reading order (ALTO's implicit
 * order, plus `IDNEXT` along the text flow): text kinds as TextBlock, tables as ComposedBlock
 * TYPE="table", pictures as Illustration; its label is a LayoutTag it points to (TAGREFS), its
 * polygon a Shape. Only elements of ALTO 4.0 are used (no 4.3 ReadingOrder), so every 4.x
 * schema accepts the file.
 */
import type { PageResult, Region } from '../model/index.js';
import { boxXywh, outline } from './geometry.js';
import type { ExportDocument, ExportOptions } from './types.js';
import { el, textEl, xmlDocument, type XmlNode } from './xml-text.js';

const ALTO_NAMESPACE = 'http://www.loc.gov/standards/alto/ns-v4#';
const ALTO_SCHEMA_URL = 'http://www.loc.gov/standards/alto/v4/alto-4-2.xsd';

const ILLUSTRATIONS = new Set(['image', 'header_image', 'footer_image', 'chart', 'seal']);

function blockElementName(label: string): 'TextBlock' | 'Illustration' | 'ComposedBlock' {
  if (label === 'table') return 'ComposedBlock';
  return ILLUSTRATIONS.has(label) ? 'Illustration' : 'TextBlock';
}

/** Tag IDs are XML IDs, which a label need not be: one `LT<n>` per distinct label. */
function layoutTags(pages: readonly PageResult[]): Map<string, string> {
  const tags = new Map<string, string>();
  for (const page of pages) {
    for (const region of page.regions) if (!tags.has(region.label)) tags.set(region.label, `LT${tags.size + 1}`);
  }
  return tags;
}

function blockId(pageIndex: number, regionIndex: number): string {
  return `p${pageIndex + 1}_r${regionIndex + 1}`;
}

function pageBlocks(page: PageResult, pageIndex: number, tags: Map<string, string>): XmlNode[] {
  const { width, height } = page.input;
  // The next region along the text flow, for IDNEXT.
  const flow = page.regions
    .map((region, index) => ({ region, index }))
    .filter(({ region }) => region.order !== null)
    .sort((a, b) => a.region.order! - b.region.order!);
  const next = new Map<number, number>();
  flow.forEach(({ index }, position) => {
    if (position + 1 < flow.length) next.set(index, flow[position + 1]!.index);
  });
  return page.regions.map((region: Region, index) => {
    const [hpos, vpos, w, h] = boxXywh(region, width, height);
    const points = outline(region, width, height).map(([x, y]) => `${x} ${y}`).join(' ');
    const name = blockElementName(region.label);
    const following = next.get(index);
    return el(name, {
      ID: blockId(pageIndex, index),
      TAGREFS: tags.get(region.label),
      HPOS: hpos,
      VPOS: vpos,
      WIDTH: w,
      HEIGHT: h,
      IDNEXT: following === undefined ? undefined : blockId(pageIndex, following),
      TYPE: name === 'TextBlock' ? undefined : region.label,
    }, [el('Shape', {}, [el('Polygon', { POINTS: points })])]);
  });
}

/** A document (all its pages) as one ALTO file. */
export function toAltoXml(doc: ExportDocument, options: ExportOptions = {}): string {
  const created = (options.created ?? new Date()).toISOString();
  const model = doc.pages[0]?.model ?? 'unknown';
  const software: XmlNode[] = [textEl('softwareName', 'doclayout')];
  if (options.softwareVersion) software.push(textEl('softwareVersion', options.softwareVersion));
  const description = el('Description', {}, [
    textEl('MeasurementUnit', 'pixel'),
    el('sourceImageInformation', {}, [textEl('fileName', doc.name)]),
    el('Processing', { ID: 'layout_analysis' }, [
      textEl('processingDateTime', created),
      textEl('processingStepDescription', 'layout analysis'),
      textEl('processingStepSettings', `model=${model}`),
      el('processingSoftware', {}, software),
    ]),
  ]);
  const tags = layoutTags(doc.pages);
  const tagElements = [...tags].map(([label, id]) => el('LayoutTag', { ID: id, LABEL: label }));
  const pages = doc.pages.map((page, pageIndex) => {
    const number = page.input.page ?? 1;
    return el('Page', {
      ID: `page_${pageIndex + 1}`,
      PHYSICAL_IMG_NR: number,
      WIDTH: page.input.width,
      HEIGHT: page.input.height,
    }, [el('PrintSpace', { HPOS: 0, VPOS: 0, WIDTH: page.input.width, HEIGHT: page.input.height }, pageBlocks(page, pageIndex, tags))]);
  });
  return xmlDocument(el('alto', {
    xmlns: ALTO_NAMESPACE,
    'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
    'xsi:schemaLocation': `${ALTO_NAMESPACE} ${ALTO_SCHEMA_URL}`,
    SCHEMAVERSION: '4.2',
  }, [description, ...(tagElements.length > 0 ? [el('Tags', {}, tagElements)] : []), el('Layout', {}, pages)]));
}
