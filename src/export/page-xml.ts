/**
 * PAGE-XML (PRImA, 2019-07-15 schema): OCR-D's native format, read by Transkribus, eScriptorium
 * and kraken. One file per page: each region becomes the PAGE region type its label means (text
 * kinds as TextRegion with a `type`, tables, images, charts, formulas, stamps), with its polygon
 * as `Coords` (score as `conf`) and doclayout's label in `custom` (OCR-D's `structure {type:…;}`
 * convention); the reading order becomes `ReadingOrder/OrderedGroup`.
 */
import type { PageResult, Region } from '../model/index.js';
import { outline } from './geometry.js';
import { pageImageName } from './names.js';
import type { ExportOptions } from './types.js';
import { el, textEl, xmlDocument, type XmlNode } from './xml-text.js';

const PAGE_NAMESPACE = 'http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15';
const PAGE_SCHEMA_URL = `${PAGE_NAMESPACE}/pagecontent.xsd`;

interface PageRegionKind {
  readonly element: string;
  /** TextRegion's `type` (TextTypeSimpleType) or GraphicRegion's (GraphicsTypeSimpleType). */
  readonly type?: string;
}

const TEXT = (type: string): PageRegionKind => ({ element: 'TextRegion', type });

/** PP-DocLayout labels (V2/V3 and L/M/S/plus-L) → PAGE region kinds. */
const REGION_KINDS: Readonly<Record<string, PageRegionKind>> = {
  text: TEXT('paragraph'),
  content: TEXT('paragraph'),
  abstract: TEXT('paragraph'),
  algorithm: TEXT('paragraph'),
  reference: TEXT('paragraph'),
  reference_content: TEXT('paragraph'),
  vertical_text: TEXT('paragraph'),
  doc_title: TEXT('heading'),
  paragraph_title: TEXT('heading'),
  figure_title: TEXT('caption'),
  table_title: TEXT('caption'),
  chart_title: TEXT('caption'),
  header: TEXT('header'),
  footer: TEXT('footer'),
  number: TEXT('page-number'),
  footnote: TEXT('footnote'),
  vision_footnote: TEXT('footnote'),
  aside_text: TEXT('marginalia'),
  formula_number: TEXT('other'),
  table: { element: 'TableRegion' },
  image: { element: 'ImageRegion' },
  header_image: { element: 'ImageRegion' },
  footer_image: { element: 'ImageRegion' },
  chart: { element: 'ChartRegion' },
  seal: { element: 'GraphicRegion', type: 'stamp' },
  display_formula: { element: 'MathsRegion' },
  inline_formula: { element: 'MathsRegion' },
  formula: { element: 'MathsRegion' },
};

/** A label no mapping knows (another model's) stays a region, of unknown kind. */
const UNKNOWN_KIND: PageRegionKind = { element: 'UnknownRegion' };

export function pageRegionKind(label: string): PageRegionKind {
  return Object.hasOwn(REGION_KINDS, label) ? REGION_KINDS[label]! : UNKNOWN_KIND;
}

function regionId(index: number): string {
  return `r${index + 1}`;
}

function regionElement(region: Region, index: number, width: number, height: number): XmlNode {
  const kind = pageRegionKind(region.label);
  const points = outline(region, width, height).map(([x, y]) => `${x},${y}`).join(' ');
  const conf = Math.min(Math.max(region.score, 0), 1);
  return el(kind.element, { id: regionId(index), type: kind.type, custom: `structure {type:${region.label};}` }, [
    el('Coords', { points, conf: Number(conf.toFixed(4)) }),
  ]);
}

function readingOrder(regions: readonly Region[]): XmlNode[] {
  const ordered = regions
    .map((region, index) => ({ region, index }))
    .filter(({ region }) => region.order !== null)
    .sort((a, b) => a.region.order! - b.region.order!);
  // OrderedGroup needs at least one member: a page with no ordered region has no ReadingOrder.
  if (ordered.length === 0) return [];
  const refs = ordered.map(({ index }, position) => el('RegionRefIndexed', { index: position, regionRef: regionId(index) }));
  return [el('ReadingOrder', {}, [el('OrderedGroup', { id: 'ro_1', caption: 'Regions reading order' }, refs)])];
}

/** One page result as a PAGE-XML document. */
export function toPageXml(page: PageResult, source: { readonly name: string; readonly isPdf: boolean }, options: ExportOptions = {}): string {
  const created = (options.created ?? new Date()).toISOString();
  const { width, height } = page.input;
  const software = options.softwareVersion ? `doclayout ${options.softwareVersion}` : 'doclayout';
  const metadata = el('Metadata', {}, [
    textEl('Creator', software),
    textEl('Created', created),
    textEl('LastChange', created),
    el('MetadataItem', { type: 'processingStep', name: 'layout-analysis', value: page.model }),
  ]);
  const regions = page.regions.map((region, index) => regionElement(region, index, width, height));
  const pageElement = el('Page', {
    imageFilename: pageImageName(source.name, source.isPdf, page.input.page ?? 1),
    imageWidth: width,
    imageHeight: height,
  }, [...readingOrder(page.regions), ...regions]);
  return xmlDocument(el('PcGts', {
    xmlns: PAGE_NAMESPACE,
    'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
    'xsi:schemaLocation': `${PAGE_NAMESPACE} ${PAGE_SCHEMA_URL}`,
  }, [metadata, pageElement]));
}
