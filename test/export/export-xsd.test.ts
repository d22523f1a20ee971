/**
 * PAGE and ALTO output against the official schemas with libxml2 (xmllint --schema), for every
 * region kind, hostile labels and names, zero regions, a huge page and a multi-page PDF. A
 * deliberately broken document must fail, so the validator is known to bite.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import { exportDocument, toAltoXml, toPageXml, type ExportDocument } from '../../src/export/index.js';
import { missingDependency } from '../helpers/require-dep.js';
import { findOfficialSchemas, xmllint, xmllintProblem } from '../helpers/xml-schemas.js';
import { HOSTILE_LABEL, HOSTILE_NAME, page, region, richPage } from './sample-results.js';

const noXmllint = missingDependency('xmllint', xmllintProblem());
const found = findOfficialSchemas();
const noSchemas = noXmllint || missingDependency('xsd', found.problem);

const image = (name: string, pages = [richPage()]): ExportDocument => ({ name, isPdf: false, pages });
const pdf: ExportDocument = {
  name: 'report & "annex".pdf',
  isPdf: true,
  pages: [1, 2, 5].map((n) => page(n === 2 ? [] : richPage().regions, { name: 'report & "annex".pdf', page: n })),
};
const huge = page([region('text', 22, [0, 0, 99_999, 149_999], 1), region('table', 21, [50_000, 70_000, 99_999, 149_999], null)], { width: 100_000, height: 150_000 });

const cases: Array<[string, ExportDocument]> = [
  ['every region kind', image('page.jpg')],
  ['hostile label and file name', image(HOSTILE_NAME, [page([region(HOSTILE_LABEL, 7, [1, 2, 30, 40], 1)], { name: HOSTILE_NAME })])],
  ['zero regions', image('blank.png', [page([])])],
  ['a 100000 × 150000 page', image('huge.tif', [huge])],
  ['a multi-page PDF', pdf],
];

describe('every export is well-formed XML (xmllint)', { skip: noXmllint }, () => {
  for (const [what, doc] of cases) {
    test(`PAGE and ALTO: ${what}`, () => {
      for (const p of doc.pages) {
        const result = xmllint(toPageXml(p, doc));
        assert.ok(result.ok, result.output);
      }
      const alto = xmllint(toAltoXml(doc));
      assert.ok(alto.ok, alto.output);
    });
  }
});

describe('PAGE 2019-07-15 and ALTO v4 outputs pass the official XSDs', { skip: noSchemas }, () => {
  const schemas = found.schemas!;
  for (const [what, doc] of cases) {
    test(`PAGE: ${what}`, () => {
      for (const p of doc.pages) {
        const result = xmllint(toPageXml(p, doc), schemas.page);
        assert.ok(result.ok, result.output);
      }
    });
    test(`ALTO: ${what}`, () => {
      const result = xmllint(toAltoXml(doc), schemas.alto, schemas.xlink);
      assert.ok(result.ok, result.output);
    });
  }

  test('each PAGE file of a multi-page PDF zip is valid', () => {
    const file = exportDocument('page', pdf);
    assert.equal(file.contentType, 'application/zip');
    const entries = unzipSync(file.body as Uint8Array);
    assert.deepEqual(Object.keys(entries).sort(), ['report & _annex_-p0001.page.xml', 'report & _annex_-p0002.page.xml', 'report & _annex_-p0005.page.xml']);
    for (const bytes of Object.values(entries)) {
      const result = xmllint(new TextDecoder().decode(bytes), schemas.page);
      assert.ok(result.ok, result.output);
    }
  });

  test('the validator rejects what the schemas forbid (a region without Coords, ALTO without MeasurementUnit)', () => {
    const page1 = toPageXml(richPage(), image('page.jpg')).replace(/<Coords [^>]*\/>/, '');
    assert.equal(xmllint(page1, schemas.page).ok, false);
    const alto = toAltoXml(image('page.jpg')).replace(/<MeasurementUnit>pixel<\/MeasurementUnit>/, '');
    assert.equal(xmllint(alto, schemas.alto, schemas.xlink).ok, false);
  });
});
